import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WindowCounter } from '../shared-state/shared-state.js';
import type { Platform, Owner } from '../types.js';

/**
 * Signed, expiring tokens for the owner dashboard, all HMAC-SHA256 with keys derived from the site
 * secret (SESSION_SECRET): the magic link a bot sends, the session cookie it turns into, and the
 * CSRF token bound to that session. Tokens are `base64url(payload).base64url(mac)`, so any instance
 * that shares the secret can check one. What a signature cannot say is kept in the shared state
 * (core/shared-state), so every instance sees it alike: a magic link that was already used, and a
 * session that logged out. Both entries expire with the token they are about.
 */

const PLATFORMS: ReadonlySet<string> = new Set<Platform>(['telegram', 'discord', 'slack', 'cli', 'web']);

/** How long a dashboard session lasts after logging in with a magic link. */
export const DASHBOARD_SESSION_MS = 12 * 60 * 60 * 1000;

export interface DashboardSession {
  owner: Pick<Owner, 'platform' | 'userId'>;
  /** Random id the CSRF token is bound to. */
  sessionId: string;
  expiresAt: number;
}

interface Payload {
  /** purpose */
  k: 'link' | 'session';
  p: string;
  u: string;
  e: number;
  /** the session's id, or a link's own random id (what marks it used) */
  s?: string;
}

const USED_LINK = 'dashboard-link-used:';
const REVOKED_SESSION = 'dashboard-session-revoked:';

export class DashboardTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly linkTtlMs: number,
    /** Used links and revoked sessions, shared by every instance. */
    private readonly counters: WindowCounter,
  ) {
    // A key of its own, so a dashboard token can never pass for one of the web's other signatures.
    this.key = createHmac('sha256', secret).update('maiimg dashboard v1').digest();
  }

  /** The magic-link token for this owner, valid for DASHBOARD_LINK_TTL from `now`. */
  linkToken(owner: Pick<Owner, 'platform' | 'userId'>, now: Date): { token: string; expiresAt: Date } {
    const expiresAt = now.getTime() + this.linkTtlMs;
    return {
      token: this.sign({
        k: 'link',
        p: owner.platform,
        u: owner.userId,
        e: expiresAt,
        s: randomBytes(12).toString('base64url'),
      }),
      expiresAt: new Date(expiresAt),
    };
  }

  /** The owner a magic-link token was made for, or null when it is forged, altered or expired. */
  verifyLink(token: string, now: Date): Pick<Owner, 'platform' | 'userId'> | null {
    const payload = this.verify(token, 'link', now);
    return payload ? { platform: payload.p as Platform, userId: payload.u } : null;
  }

  /**
   * Uses up a magic link: the owner it was made for, the first time it is redeemed on any instance;
   * null when it is forged, expired or was redeemed before.
   */
  async redeemLink(token: string, now: Date): Promise<Pick<Owner, 'platform' | 'userId'> | null> {
    const payload = this.verify(token, 'link', now);
    if (!payload?.s) return null;
    const { count } = await this.counters.increment(USED_LINK + payload.s, payload.e - now.getTime() + 60_000);
    return count === 1 ? { platform: payload.p as Platform, userId: payload.u } : null;
  }

  /** Ends a session on every instance: its cookie no longer opens anything, even if kept. */
  async revoke(session: DashboardSession, now: Date): Promise<void> {
    await this.counters.increment(REVOKED_SESSION + session.sessionId, session.expiresAt - now.getTime() + 60_000);
  }

  /** The session of a cookie that is genuine, current and not logged out; null otherwise. */
  async activeSession(cookie: string | undefined, now: Date): Promise<DashboardSession | null> {
    const session = this.readSession(cookie, now);
    if (!session) return null;
    return (await this.counters.peek(REVOKED_SESSION + session.sessionId)) > 0 ? null : session;
  }

  /** A fresh session for the owner (its cookie value and its parts). */
  newSession(owner: Pick<Owner, 'platform' | 'userId'>, now: Date): { cookie: string; session: DashboardSession } {
    const sessionId = randomBytes(18).toString('base64url');
    const expiresAt = now.getTime() + DASHBOARD_SESSION_MS;
    return {
      cookie: this.sign({ k: 'session', p: owner.platform, u: owner.userId, e: expiresAt, s: sessionId }),
      session: { owner: { platform: owner.platform, userId: owner.userId }, sessionId, expiresAt },
    };
  }

  readSession(cookie: string | undefined, now: Date): DashboardSession | null {
    if (!cookie) return null;
    const payload = this.verify(cookie, 'session', now);
    if (!payload?.s) return null;
    return {
      owner: { platform: payload.p as Platform, userId: payload.u },
      sessionId: payload.s,
      expiresAt: payload.e,
    };
  }

  /** The CSRF token of a session: forms carry it, and state-changing requests must echo it. */
  csrfToken(session: DashboardSession): string {
    return this.mac(`csrf:${session.sessionId}`);
  }

  checkCsrf(session: DashboardSession, token: unknown): boolean {
    return typeof token === 'string' && safeEqual(token, this.csrfToken(session));
  }

  private sign(payload: Payload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  private verify(token: string, kind: Payload['k'], now: Date): Payload | null {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || !safeEqual(mac, this.mac(body))) return null;
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return null;
    }
    if (payload.k !== kind || typeof payload.u !== 'string' || !PLATFORMS.has(payload.p)) return null;
    if (typeof payload.e !== 'number' || payload.e <= now.getTime()) return null;
    return payload;
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
