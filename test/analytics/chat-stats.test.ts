import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyNumbers } from '../../core/analytics/stats-reader.js';
import { statsChartSvg } from '../../core/analytics/stats-chart.js';
import { ChatCommands, decodeButton } from '../../core/chat/chat-commands.js';
import type { Gallery } from '../../core/types.js';
import type { TestCore } from '../helpers/test-core.js';
import { ALICE, BOB, ManualClock, makeGallery, seedVisits, startAnalyticsCore } from './analytics-fixtures.js';

describe('stats in chat', () => {
  let test: TestCore;
  let gallery: Gallery;
  let commands: ChatCommands;

  beforeEach(async () => {
    test = await startAnalyticsCore('sqlite', { clock: new ManualClock(new Date('2026-03-15T12:00:00Z')) });
    gallery = await makeGallery(test.core, ALICE, 'Trip <to> "Rome"');
    commands = new ChatCommands(test.core.service, test.core, test.core.logger);
    await seedVisits(test.core, gallery, [
      { at: '2026-03-14T19:00:00Z', country: 'IT', deviceType: 'mobile', views: [1] },
      { at: '2026-03-14T19:30:00Z', country: 'IT', deviceType: 'mobile' },
      { at: '2026-03-15T08:00:00Z', country: 'CN', deviceType: 'desktop' },
      { at: '2026-03-15T08:01:00Z', kind: 'preview', previewPlatform: 'telegram' },
    ]);
  });

  afterEach(async () => {
    await test.cleanup();
  });

  it('answers the Stats command with a short summary and one chart picture', async () => {
    const reply = await commands.run({ owner: ALICE, locale: 'en', command: 'stats', args: [gallery.slug] });
    expect(reply.isError).toBeFalsy();
    expect(reply.text).toContain('3 opens by 3 visitors; 1 link preview');
    expect(reply.text).toContain('Peak hour: 19:00 (UTC)');
    expect(reply.text).toContain('Top countries: Italy 2, China 1');
    expect(reply.text).toContain('Most viewed: #2 sunset.png (1 view)');
    expect(reply.text).not.toContain('By link');
    expect(reply.image?.name).toMatch(/\.png$/);
    const meta = await sharp(reply.image!.png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(1000);
  });

  it('adds opens by link to the summary and the chart once the gallery has been shared', async () => {
    const { link } = await test.core.links.share({
      owner: ALICE,
      ref: gallery.slug,
      platform: 'discord',
      label: '#photos (Club)',
    });
    await seedVisits(test.core, gallery, [
      { at: '2026-03-15T09:00:00Z', linkId: link.id },
      { at: '2026-03-15T09:10:00Z', linkId: link.id },
      { at: '2026-03-15T09:20:00Z', linkId: link.id },
      { at: '2026-03-15T09:30:00Z', linkId: link.id },
    ]);
    const reply = await commands.run({ owner: ALICE, locale: 'en', command: 'stats', args: [link.url] });
    expect(reply.text).toContain('By link: #photos (Club) 4, Original link 3');
    const stats = await test.core.stats({ owner: ALICE, ref: link.slug });
    expect(stats.link).toMatchObject({ slug: link.slug, first: false });
    expect(stats.links.map((l) => [l.first, l.opens, l.uniqueVisitors])).toEqual([
      [true, 3, 3],
      [false, 4, 4],
    ]);
    const svg = statsChartSvg(stats, 'zh-CN', 'x');
    expect(svg).toContain('按链接统计打开次数');
    expect(svg).toContain('#photos (Club)');
    expect((await test.core.stats({ owner: ALICE, ref: gallery.slug })).link.first).toBe(true);
  });

  it('answers the Stats button the same way, in Chinese for a Chinese-speaking owner', async () => {
    const statsButton = commands.galleryButtons(gallery, 'zh-CN').find((b) => b.action === 'stats')!;
    const reply = await commands.press({ owner: ALICE, locale: 'zh-CN', data: statsButton.data });
    expect(reply.text).toContain('主要国家和地区：意大利 2, 中国 1');
    expect(reply.image).toBeDefined();
    expect(reply.buttons?.map((b) => b.action)).toContain('dashboard');
  });

  it('draws the chart text in the owner’s language and escapes the gallery title', () => {
    const numbers = emptyNumbers('UTC', Date.parse('2026-03-15T12:00:00Z'));
    const zh = statsChartSvg(numbers, 'zh-CN', 'Trip <to> "Rome"');
    expect(zh).toContain('每日打开次数（最近 30 天）');
    expect(zh).toContain('设备类型');
    expect(zh).toContain('Trip &lt;to&gt; &quot;Rome&quot;');
    expect(zh).not.toContain('<to>');
    expect(statsChartSvg(numbers, 'en', 'x')).toContain('Opens per day (last 30 days)');
  });

  it('sends the owner a private, signed dashboard link that logs in only that owner', async () => {
    const reply = await commands.run({ owner: ALICE, locale: 'en', command: 'dashboard', args: [] });
    expect(reply.privateReply).toBe(true);
    const url = /https?:\/\/\S+\/dashboard\/login\?token=\S+/.exec(reply.text)?.[0];
    expect(url).toBeDefined();
    const token = decodeURIComponent(new URL(url!).searchParams.get('token')!);
    expect(test.core.analytics.tokens.verifyLink(token, new Date('2026-03-15T12:30:00Z'))).toEqual({
      platform: 'telegram',
      userId: 'alice',
    });
    // DASHBOARD_LINK_TTL defaults to one hour.
    expect(test.core.analytics.tokens.verifyLink(token, new Date('2026-03-15T13:00:01Z'))).toBeNull();
    const forged = token.replace(
      /^[^.]+/,
      Buffer.from(JSON.stringify({ k: 'link', p: 'telegram', u: 'bob', e: Date.parse('2030-01-01') })).toString(
        'base64url',
      ),
    );
    expect(test.core.analytics.tokens.verifyLink(forged, new Date('2026-03-15T12:30:00Z'))).toBeNull();
  });

  it('offers the dashboard as a button under the stats too', async () => {
    const reply = await commands.run({ owner: ALICE, locale: 'en', command: 'stats', args: [gallery.slug] });
    const button = reply.buttons!.find((b) => b.action === 'dashboard')!;
    expect(decodeButton(button.data)).toEqual({ action: 'dashboard', slug: gallery.slug });
    const pressed = await commands.press({ owner: ALICE, locale: 'en', data: button.data });
    expect(pressed.privateReply).toBe(true);
    expect(pressed.text).toContain('/dashboard/login?token=');
  });

  it('does not show stats to someone who does not own the gallery', async () => {
    const reply = await commands.run({ owner: BOB, locale: 'en', command: 'stats', args: [gallery.slug] });
    expect(reply.isError).toBe(true);
    expect(reply.image).toBeUndefined();
  });
});
