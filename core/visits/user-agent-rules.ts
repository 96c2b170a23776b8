import { createIsbotFromList, list as isbotList } from 'isbot';

/**
 * Link-preview fetchers of chat apps and social sites, checked in order (first match wins). Every
 * entry has real user agents in test/fixtures/user-agents.ts, with where each was seen.
 *
 * Order matters where one fetcher borrows another's name: iMessage sends
 * "facebookexternalhit/1.1 Facebot Twitterbot/1.0", LINE "facebookexternalhit/1.1;line-poker/1.0"
 * and KakaoTalk "facebookexternalhit/1.1; kakaotalk-scrap/1.0", so all three come before Facebook.
 */
export const PREVIEW_FETCHERS: ReadonlyArray<{ platform: string; pattern: RegExp }> = [
  { platform: 'telegram', pattern: /TelegramBot/i },
  { platform: 'slack', pattern: /Slackbot-LinkExpanding|Slack-ImgProxy|Slackbot/i },
  { platform: 'discord', pattern: /Discordbot/i },
  { platform: 'imessage', pattern: /facebookexternalhit\/[\d.]+ Facebot Twitterbot/i },
  { platform: 'line', pattern: /line-poker|^Line\//i },
  { platform: 'kakaotalk', pattern: /kakaotalk-scrap/i },
  // Signal's preview fetcher sends exactly "WhatsApp/2" so that sites serve it their WhatsApp card
  // (Pleroma and other servers borrow it too). WhatsApp itself sends its build ("WhatsApp/2.23.20.0
  // A"), but nothing stops it sending the bare form, so the bare form is recorded as either.
  { platform: 'whatsapp-or-signal', pattern: /^WhatsApp\/2$/i },
  { platform: 'whatsapp', pattern: /WhatsApp/i },
  { platform: 'facebook', pattern: /facebookexternalhit|Facebot/i },
  { platform: 'twitter', pattern: /Twitterbot/i },
  { platform: 'linkedin', pattern: /LinkedInBot/i },
  { platform: 'skype', pattern: /SkypeUriPreview/i },
  { platform: 'microsoft', pattern: /MicrosoftPreview/i },
  { platform: 'google-chat-messages', pattern: /Google-PageRenderer|GoogleMessages/i },
  { platform: 'snapchat', pattern: /Snap URL Preview|^Snapchat\//i },
  { platform: 'bluesky', pattern: /Bluesky Cardyb/i },
  { platform: 'viber', pattern: /Viber\/[\d.]+ CFNetwork|ViberUrlDownloader/i },
  { platform: 'matrix', pattern: /^Synapse \(bot|BeeperBot|matrix-media-repo/i },
  { platform: 'mastodon', pattern: /Mastodon\//i },
  { platform: 'mattermost', pattern: /Mattermost-Bot/i },
  { platform: 'zulip', pattern: /ZulipURLPreview/i },
  { platform: 'yahoo', pattern: /Yahoo Link Preview/i },
  { platform: 'keybase', pattern: /KeybaseBot/i },
  { platform: 'chatwork', pattern: /Chatwork LinkPreview/i },
  { platform: 'vk', pattern: /vkShare/i },
  { platform: 'reddit', pattern: /redditbot/i },
  { platform: 'tumblr', pattern: /^Tumblr\//i },
  { platform: 'quora', pattern: /Quora Link Preview/i },
];

/**
 * isbot patterns that also match real people, each replaced by a narrower one that keeps what the
 * pattern was for:
 * - `tools` matches WeChat's in-app browser on Android, which names its web process
 *   `Process/tools` or `Process/toolsmp`; WeChat's developer tools still match (`wechatdevtools`).
 * - `24x7` (Site24x7 monitoring) matches Instagram's in-app screen size `1024x720`.
 */
const NARROWED_PATTERNS: ReadonlyMap<string, string> = new Map([
  ['tools', '(?<!process/)tools'],
  ['24x7', '(?<!\\d)24x7(?!\\d)'],
]);

/**
 * Agents isbot counts as browsers that never show the page to a person:
 * - site checkers and scanners: GTmetrix, Assetnote, Amazon's Alexa fetcher (`Amzn-User`);
 * - Electron apps: in the crawler lists they are monitors (Pingdom), test runners (Cypress) and AI
 *   editors' page fetchers (Cursor, VS Code, Trae). Slack's and Discord's desktop apps are Electron
 *   too, but both open a clicked link in the system browser, so a request in their own name is the
 *   app fetching, not a person looking;
 * - user agents with unfilled placeholders (`rv:geckoversion`, `Firefox/firefoxversion`).
 */
const EXTRA_BOT_PATTERNS = ['gtmetrix', 'assetnote/', 'amzn-user', 'electron/', 'geckoversion', 'firefoxversion'];

const botPatterns = [...isbotList.map((pattern) => NARROWED_PATTERNS.get(pattern) ?? pattern), ...EXTRA_BOT_PATTERNS];

/** isbot's maintained list, with the changes above. */
export const isBotAgent = createIsbotFromList(botPatterns);

/** Exposed for the tests: each narrowed pattern must still exist upstream, or the change is stale. */
export const NARROWED_ISBOT_PATTERNS: readonly string[] = [...NARROWED_PATTERNS.keys()];
