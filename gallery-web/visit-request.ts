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
