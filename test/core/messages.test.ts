import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { isMaiimgError } from '../../core/errors.js';
import { checkPassword, parseExpiry, parseMaxOpens, parseOnOff } from '../../core/link-options.js';
import { errorMessage, localeFrom, messageKeys, t } from '../../core/messages.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)(?:\|[^{}]*)?\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  it('has the same keys in English and Chinese', () => {
    expect(messageKeys('zh-CN').sort()).toEqual(messageKeys('en').sort());
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of messageKeys('en')) {
      expect(placeholders(t('zh-CN', key)), key).toEqual(placeholders(t('en', key)));
    }
  });

  it('has a message for every error code', () => {
    for (const code of ERROR_CODES) {
      expect(errorMessage('en', code)).not.toBe(code);
      expect(errorMessage('zh-CN', code)).not.toBe(code);
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('en', 'TOO_MANY_FILES', { count: 26, limit: 25 })).toContain('26 files');
    expect(t('en', 'gallery.ready', {})).toContain('{url}');
  });

  it('chooses plural forms through Intl.PluralRules, and Chinese has one form', () => {
    expect(t('en', 'web.gallery.photoCount', { count: 1 })).toBe('1 photo');
    expect(t('en', 'web.gallery.photoCount', { count: 25 })).toBe('25 photos');
    expect(t('en', 'web.gallery.photoCount', { count: 1200 })).toBe('1,200 photos');
    expect(t('zh-CN', 'web.gallery.photoCount', { count: 1 })).toBe('1 张照片');
    expect(t('zh-CN', 'web.gallery.photoCount', { count: 25 })).toBe('25 张照片');
  });

  it('never writes "(s)": every counted noun goes through the plural syntax', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const key of messageKeys(locale)) expect(t(locale, key), `${locale} ${key}`).not.toContain('(s)');
    }
    // A number right before an English noun outside `{n|one:…|other:…}` would say "1 images".
    for (const key of messageKeys('en')) {
      expect(t('en', key), key).not.toMatch(
        /\{\w+\} (images|photos|files|frames|opens|views|visitors|visits|minutes|days|countries|characters)\b/,
      );
    }
    expect(t('en', 'analytics.chart.summary', { opens: 1, unique: 1, previews: 0, bots: 2 })).toBe(
      '1 open · 1 visitor · 0 link previews · 2 bots',
    );
    expect(t('en', 'analytics.summary.topImage', { position: 3, name: 'a.jpg', views: 1 })).toBe(
      'Most viewed: #3 a.jpg (1 view)',
    );
    expect(t('en', 'analytics.chart.trendDescription', { opens: 1200, days: 30 })).toBe(
      '1,200 opens in the last 30 days',
    );
    expect(t('zh-CN', 'analytics.chart.peak', { hour: '09:00', opens: 1 })).toBe('最繁忙时段：09:00（1 次）');
    expect(t('en', 'dashboard.link', { url: 'u', minutes: 1 })).toContain('works for 1 minute.');
  });

  it('picks Chinese for any zh language tag and English otherwise', () => {
    for (const tag of ['zh', 'zh-hans', 'zh_CN', 'zh-TW', 'ZH']) expect(localeFrom(tag)).toBe('zh-CN');
    for (const tag of ['en', 'en-GB', 'de', '', undefined, null]) expect(localeFrom(tag)).toBe('en');
  });

  it('names a refused option and the reason in the reader’s language, never in English literals', () => {
    const refusals = [
      () => parseExpiry('soon', new Date()),
      () => parseExpiry('2020-01-01', new Date()),
      () => parseExpiry('0d', new Date()),
      () => parseMaxOpens('lots'),
      () => parseOnOff('maybe', 'option.download'),
      () => checkPassword(''),
    ];
    for (const refuse of refusals) {
      let error: unknown;
      try {
        refuse();
      } catch (caught) {
        error = caught;
      }
      if (!isMaiimgError(error, 'INVALID_OPTION')) throw new Error(`not refused: ${refuse.toString()}`);
      const zh = errorMessage('zh-CN', error.code, error.params);
      // Only the values a person types may stay Latin (7d, 12h, off, on).
      expect(zh.replace(/\b(7d|12h|on|off)\b/g, ''), zh).not.toMatch(/[A-Za-z]{2,}/);
      expect(errorMessage('en', error.code, error.params)).not.toMatch(/option\.|reason\./);
    }
    expect(
      errorMessage('zh-CN', 'INVALID_OPTION', { option: 'option.password', reason: 'reason.length', max: 64 }),
    ).toBe('密码 的值无效：1 到 64 个字符');
  });
});
