import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Platform, Owner } from '../types.js';

/**
 * Signed, expiring tokens for the owner dashboard, all HMAC-SHA256 with keys derived from the site
 * secret (SESSION_SECRET): the magic link a bot sends, the session cookie it turns into, and the
 * CSRF token bound to that session. Tokens are `base64url(payload).base64url(mac)`; nothing is
 * stored on the server, so a link works on every instance that shares the secret.
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
  s?: string;
}

export class DashboardTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly linkTtlMs: number,
  ) {
    // A key of its own, so a dashboard token can never pass for one of the web's other signatures.
    this.key = createHmac('sha256', secret).update('maiimg dashboard v1').digest();
  }

  /** The magic-link token for this owner, valid for DASHBOARD_LINK_TTL from `now`. */
  linkToken(owner: Pick<Owner, 'platform' | 'userId'>, now: Date): { token: string; expiresAt: Date } {
    const expiresAt = now.getTime() + this.linkTtlMs;
    return {
      token: this.sign({ k: 'link', p: owner.platform, u: owner.userId, e: expiresAt }),
      expiresAt: new Date(expiresAt),
    };
  }

  /** The owner a magic-link token was made for, or null when it is forged, altered or expired. */
  verifyLink(token: string, now: Date): Pick<Owner, 'platform' | 'userId'> | null {
    const payload = this.verify(token, 'link', now);
    return payload ? { platform: payload.p as Platform, userId: payload.u } : null;
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
