/**
 * What the three bots' analytics tests share: opening a gallery the way a person's browser does,
 * logging in to the dashboard with a magic link the bot sent, and recognising a PNG.
 */
import { followLoginLink } from '../helpers/login-link.js';

/** A desktop browser: counted as a human open (no preview fetcher, not in isbot's list). */
export const BROWSER_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** A dashboard magic link inside a bot's text (Slack wraps links in `<…>`, so `>` and `|` end it). */
export const DASHBOARD_LINK = /https?:\/\/[^\s<>|]+\/dashboard\/login\?token=[^\s<>|]+/;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Buffer | Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 8)).equals(PNG_SIGNATURE);
}

/** GETs a gallery page as a browser would; returns the HTTP status. */
export async function openLikeABrowser(url: string): Promise<number> {
  const response = await fetch(url, {
    headers: { 'user-agent': BROWSER_USER_AGENT, accept: 'text/html,application/xhtml+xml' },
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Follows a magic link like a browser: the link answers with a session cookie and a redirect to the
 * dashboard, which is then fetched with that cookie.
 */
export async function logInWithDashboardLink(
  link: string,
): Promise<{ loginStatus: number; cookie: string | null; dashboardStatus: number; page: string }> {
  // The link shows a confirm page; only its button's POST sets the session (no login CSRF).
  const url = new URL(link);
  const login = await followLoginLink(url.origin, url.pathname + url.search, { 'user-agent': BROWSER_USER_AGENT });
  await login.arrayBuffer();
  const cookie =
    login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ') || null;
  const location = login.headers.get('location') ?? '/dashboard';
  const dashboard = await fetch(new URL(location, link), {
    headers: { 'user-agent': BROWSER_USER_AGENT, ...(cookie ? { cookie } : {}) },
    redirect: 'manual',
  });
  return { loginStatus: login.status, cookie, dashboardStatus: dashboard.status, page: await dashboard.text() };
}

/**
 * Opens a password-protected gallery the way a visitor does: the password form's POST, then the
 * page with the cookie it set. Returns the form's status (303 when the password was right) and the
 * page's (200 when the visitor got in).
 */
export async function openWithPassword(
  url: string,
  password: string,
): Promise<{ unlockStatus: number; pageStatus: number }> {
  const headers = { 'user-agent': BROWSER_USER_AGENT, accept: 'text/html,application/xhtml+xml' };
  const unlock = await fetch(`${url}/unlock`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin },
    body: new URLSearchParams({ password }).toString(),
    redirect: 'manual',
  });
  await unlock.arrayBuffer();
  const cookie = unlock.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const page = await fetch(url, { headers: { ...headers, ...(cookie ? { cookie } : {}) } });
  await page.arrayBuffer();
  return { unlockStatus: unlock.status, pageStatus: page.status };
}
