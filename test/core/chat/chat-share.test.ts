import { describe, expect, it } from 'vitest';
import { parseChannelMention, typedMention } from '../../../bots/slack/slack-share.js';
import { commandUsage, helpText } from '../../../core/chat/command-table.js';
import {
  discordChannelLabel,
  shareCard,
  slackChannelLabel,
  telegramInlineLabel,
} from '../../../core/chat/chat-share.js';
import { t } from '../../../core/messages.js';

describe('sharing, the parts every platform shares', () => {
  it('builds one card: title, count in the plural the language wants, Open button, no preview when protected', () => {
    const link = { slug: 'a'.repeat(22), url: 'https://pics.example/g/' + 'a'.repeat(22) };
    const open = shareCard(
      { slug: 'b'.repeat(22), title: 'Trip', imageCount: 1, passwordProtected: false, previewUrl: 'https://p/x.webp' },
      link,
      'en',
    );
    expect(open).toMatchObject({ title: 'Trip', count: '1 image', text: 'Trip\n1 image', url: link.url });
    expect(open.previewUrl).toBe('https://p/x.webp');
    const locked = shareCard(
      { slug: 'b'.repeat(22), title: null, imageCount: 3, passwordProtected: true, previewUrl: 'https://p/x.webp' },
      link,
      'zh-CN',
    );
    expect(locked.title).toBe(t('zh-CN', 'untitled'));
    expect(locked.count).toBe('3 张图片');
    expect(locked.previewUrl).toBeUndefined();
  });

  it('labels links by where they went', () => {
    const at = new Date('2026-12-03T14:05:59Z');
    expect(telegramInlineLabel('supergroup', at, 'en')).toBe('Telegram group, 2026-12-03 14:05 UTC');
    expect(telegramInlineLabel('sender', at, 'en')).toBe('Telegram private chat, 2026-12-03 14:05 UTC');
    expect(telegramInlineLabel(undefined, at, 'en')).toBe('Telegram chat, 2026-12-03 14:05 UTC');
    expect(discordChannelLabel('design', 'Acme')).toBe('#design (Acme)');
    expect(slackChannelLabel('design')).toBe('#design');
  });

  it('reads a Slack channel as an escaped mention or as typed', () => {
    expect(parseChannelMention('<#C0123ABC|design>')).toEqual({ id: 'C0123ABC', name: 'design' });
    expect(parseChannelMention('<#C0123ABC|>')).toEqual({ id: 'C0123ABC', name: undefined });
    expect(parseChannelMention('#design')).toEqual({ name: 'design' });
    expect(parseChannelMention('design')).toBeNull();
    expect(parseChannelMention('<@U123|ann>')).toBeNull();
    // Other commands get the text as typed back.
    expect(['<#C1|design>', '<@U1|ann>', '<!here>', 'plain'].map(typedMention)).toEqual([
      '#design',
      '@ann',
      '@here',
      'plain',
    ]);
  });

  it('spells share in each platform syntax, the channel only where one can be named', () => {
    expect(commandUsage('share', { platform: 'telegram' }, 'en')).toBe('/share <link>');
    expect(commandUsage('share', { platform: 'discord' }, 'en')).toBe('/gallery share <link> [<#channel>]');
    expect(commandUsage('share', { platform: 'slack', slashCommand: '/photos' }, 'en')).toBe(
      '/photos share <link> [<#channel>]',
    );
    expect(helpText('en', { platform: 'cli' })).not.toContain('share');
  });
});
