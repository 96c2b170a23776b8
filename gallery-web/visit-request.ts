import type { Request } from 'express';
import type { VisitRequest } from '../core/visits/visit-request.js';

/** The plain description of an express request that the core's visit rules take. */
export function toVisitRequest(req: Request): VisitRequest {
  const header = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value[0] : value) ?? null;
  };
  return {
    method: req.method,
    // req.ip honours TRUST_PROXY ('trust proxy' setting): X-Forwarded-For only from trusted proxies.
    ip: req.ip ?? req.socket.remoteAddress ?? null,
    userAgent: header('user-agent'),
    referer: header('referer'),
    acceptLanguage: header('accept-language'),
    secPurpose: header('sec-purpose'),
    purpose: header('purpose') ?? header('x-purpose') ?? header('x-moz'),
    range: header('range'),
  };
}

/** TRUST_PROXY as express's 'trust proxy' setting: true/false, a hop count, or addresses / subnets / names. */
export function trustProxySetting(value: string | undefined): boolean | number | string {
  const text = value?.trim() ?? '';
  if (text === '' || /^(false|0|no|off)$/i.test(text)) return false;
  if (/^(true|yes|on)$/i.test(text)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

/**
 * Why the proxy trust is unsafe, or null. Trusting by count (or everyone) believes the last
 * X-Forwarded-For entries whoever sent them: when the Node port itself is reachable (listening on
 * every interface), a client that skips the proxy forges its address and dodges every per-IP
 * limit. Trusting by address (`loopback`, a subnet) believes only the proxy itself.
 */
export function trustProxyWarning(setting: boolean | number | string, host: string | undefined): string | null {
  const byCount = setting === true || (typeof setting === 'number' && setting > 0);
  const everyInterface = !host || host === '0.0.0.0' || host === '::' || host === '[::]';
  if (!byCount || !everyInterface) return null;
  return "TRUST_PROXY trusts proxies by count while listening on every interface: a client that reaches this port directly can forge X-Forwarded-For and dodge the per-IP limits. Set TRUST_PROXY to the proxy's address (loopback, or a subnet such as 10.0.0.0/8), or HOST to an interface only the proxy reaches.";
}
