import { readFileSync } from 'node:fs';
import type { Request } from 'express';
import { list as isbotList } from 'isbot';
import { describe, expect, it } from 'vitest';
import { anonymizeIp } from '../../core/visits/ip-anonymizer.js';
import { NARROWED_ISBOT_PATTERNS, PREVIEW_FETCHERS } from '../../core/visits/user-agent-rules.js';
import { classifyVisit, type VisitClass } from '../../core/visits/visit-classifier.js';
import type { VisitRequest } from '../../core/visits/visit-request.js';
import { localeFromAcceptLanguage } from '../../gallery-web/locale.js';
import { toVisitRequest } from '../../gallery-web/visit-request.js';
import { USER_AGENTS, type AgentClass } from '../fixtures/user-agents.js';

function request(userAgent: string | null, extra: Partial<VisitRequest> = {}): VisitRequest {
  return {
    method: 'GET',
    ip: '203.0.113.7',
    userAgent,
    referer: null,
    acceptLanguage: null,
    secPurpose: null,
    purpose: null,
    range: null,
    ...extra,
  };
}

// Real user agents, as sent by the chat apps' link-preview fetchers and by browsers.
const PREVIEWS: Array<[string, string]> = [
  ['telegram', 'TelegramBot (like TwitterBot)'],
  ['slack', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'],
  ['slack', 'Slack-ImgProxy (+https://api.slack.com/robots)'],
  ['discord', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)'],
  ['facebook', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)'],
  [
    'imessage',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
  ],
  ['whatsapp', 'WhatsApp/2.23.20.0 A'],
  ['whatsapp-or-signal', 'WhatsApp/2'],
  ['twitter', 'Twitterbot/1.0'],
  ['linkedin', 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)'],
];

const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'curl/8.5.0',
  'python-requests/2.31.0',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36',
];

const HUMANS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003133) NetType/WIFI Language/zh_CN',
];

describe('visit classification', () => {
  it.each(PREVIEWS)('records a %s link preview as a preview, not an open', (platform, ua) => {
    expect(classifyVisit(request(ua))).toEqual({ kind: 'preview', platform });
  });

  it.each(BOTS)('records a crawler as a bot: %s', (ua) => {
    expect(classifyVisit(request(ua))).toEqual({ kind: 'bot' });
  });

  it('records a request without a user agent as a bot', () => {
    expect(classifyVisit(request(null))).toEqual({ kind: 'bot' });
  });

  it.each(HUMANS)('counts a browser as a human open: %s', (ua) => {
    expect(classifyVisit(request(ua))).toEqual({ kind: 'human' });
  });

  it('ignores HEAD requests, prefetches and range requests', () => {
    const ua = HUMANS[0]!;
    expect(classifyVisit(request(ua, { method: 'HEAD' }))).toEqual({ kind: 'ignored', reason: 'head' });
    expect(classifyVisit(request(ua, { secPurpose: 'prefetch' }))).toEqual({ kind: 'ignored', reason: 'prefetch' });
    expect(classifyVisit(request(ua, { secPurpose: 'prefetch;prerender' }))).toEqual({
      kind: 'ignored',
      reason: 'prefetch',
    });
    expect(classifyVisit(request(ua, { purpose: 'prefetch' }))).toEqual({ kind: 'ignored', reason: 'prefetch' });
    expect(classifyVisit(request(ua, { range: 'bytes=0-100' }))).toEqual({ kind: 'ignored', reason: 'range' });
    expect(classifyVisit(request('TelegramBot (like TwitterBot)', { method: 'HEAD' }))).toEqual({
      kind: 'ignored',
      reason: 'head',
    });
  });
});

/** A gallery request as the site sees it: express's headers through the web adapter's own translation. */
function siteRequest(headers: Record<string, string>, method = 'GET'): VisitRequest {
  const req = { method, headers, ip: '203.0.113.7', socket: {} } as unknown as Request;
  return toVisitRequest(req);
}

function asVisitClass(expected: AgentClass): VisitClass {
  return expected.kind === 'in-app' ? { kind: 'human' } : expected;
}

/** The platform ids the README lists under "Link previews are recorded by platform". */
function readmePreviewPlatforms(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('Link previews are recorded by platform');
  expect(start).toBeGreaterThan(0);
  const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
  return [...paragraph.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]!);
}

describe('real user agents (test/fixtures/user-agents.ts)', () => {
  it.each(USER_AGENTS.map((fixture) => [fixture.expected.kind, fixture.userAgent, fixture] as const))(
    'classifies as %s: %s',
    (_kind, userAgent, fixture) => {
      expect(fixture.source.trim()).not.toBe('');
      expect(classifyVisit(siteRequest({ 'user-agent': userAgent }))).toEqual(asVisitClass(fixture.expected));
    },
  );

  it('has every class of agent', () => {
    const kinds = new Set(USER_AGENTS.map((fixture) => fixture.expected.kind));
    expect([...kinds].sort()).toEqual(['bot', 'human', 'in-app', 'preview']);
  });

  it('has a real agent for every preview platform the classifier and the README name', () => {
    const inTable = new Set(USER_AGENTS.flatMap((f) => (f.expected.kind === 'preview' ? [f.expected.platform] : [])));
    const inReadme = readmePreviewPlatforms();
    expect(inReadme.length).toBeGreaterThan(20);
    for (const platform of inReadme) expect(inTable, `README platform ${platform}`).toContain(platform);
    const inRules = new Set(PREVIEW_FETCHERS.map((fetcher) => fetcher.platform));
    expect([...inRules].sort()).toEqual([...new Set(inReadme)].sort());
  });

  it('narrows only isbot patterns that still exist upstream', () => {
    // When isbot drops or fixes one of these, the narrowing has become dead weight: remove it.
    for (const pattern of NARROWED_ISBOT_PATTERNS) expect(isbotList).toContain(pattern);
  });

  it('ignores old Safari Top Sites thumbnails (X-Purpose: preview) like a prefetch', () => {
    const safari = USER_AGENTS.find((fixture) => fixture.source.includes('(Safari)'))!.userAgent;
    expect(classifyVisit(siteRequest({ 'user-agent': safari, 'x-purpose': 'preview' }))).toEqual({
      kind: 'ignored',
      reason: 'prefetch',
    });
    expect(classifyVisit(siteRequest({ 'user-agent': safari }))).toEqual({ kind: 'human' });
  });
});

describe('IP anonymisation', () => {
  it('keeps an IPv4 address to its /24', () => {
    expect(anonymizeIp('203.0.113.77')).toBe('203.0.113.0');
    expect(anonymizeIp('::ffff:198.51.100.9')).toBe('198.51.100.0');
  });

  it('keeps an IPv6 address to its /48', () => {
    expect(anonymizeIp('2001:db8:abcd:12:34::1')).toBe('2001:db8:abcd::');
    expect(anonymizeIp('2001:db8::1')).toBe('2001:db8:0::');
    expect(anonymizeIp('::1')).toBe('0:0:0::');
  });
});

describe('page language', () => {
  it('picks Simplified Chinese for any Chinese preference and English otherwise', () => {
    expect(localeFromAcceptLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('zh-TW')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('en-US,en;q=0.9,zh-CN;q=0.5')).toBe('en');
    expect(localeFromAcceptLanguage('fr-FR,zh;q=0.5')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('de-DE')).toBe('en');
    expect(localeFromAcceptLanguage(undefined)).toBe('en');
    expect(localeFromAcceptLanguage('en;q=0.3,zh;q=0.7')).toBe('zh-CN');
  });
});
