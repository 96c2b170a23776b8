import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
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

  it('picks Chinese for any zh language tag and English otherwise', () => {
    for (const tag of ['zh', 'zh-hans', 'zh_CN', 'zh-TW', 'ZH']) expect(localeFrom(tag)).toBe('zh-CN');
    for (const tag of ['en', 'en-GB', 'de', '', undefined, null]) expect(localeFrom(tag)).toBe('en');
  });
});
