import { createHash, createHmac } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import UAParser from 'ua-parser-js';
import { anonymizeIp, unmapIpv4 } from './ip-anonymizer.js';
import type { RecordedVisit, VisitClient, VisitRow } from './visit-repository.js';

/** What is stored about one visit besides its gallery, time and kind. */
export interface VisitDetails {
  ip: string | null;
  visitorKey: string | null;
  deviceType: string | null;
  deviceVendor: string | null;
  deviceModel: string | null;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  referrerHost: string | null;
  language: string | null;
  userAgent: string | null;
}

export interface EnrichSettings {
  anonymizeIp: boolean;
  /** Secret the daily visitor-key salt is derived from (never stored with the visits). */
  secret: string;
}

export interface EnrichOptions extends EnrichSettings {
  now: Date;
}

interface GeoLookup {
  lookup(ip: string): { country: string; region: string; city: string } | null;
}

// geoip-lite reads its ~150 MB database when first imported: only pay for it when a visit needs it.
let geo: Promise<GeoLookup> | undefined;
function geoLookup(): Promise<GeoLookup> {
  geo ??= import('geoip-lite').then((module) => (module.default ?? module) as unknown as GeoLookup);
  return geo;
}

/**
 * Device, browser and OS (ua-parser-js), place (geoip-lite, looked up on the full address before it
 * is anonymised), referrer host, first language and a visitor key for unique counts.
 * The visitor key is a hash of IP + user agent + a salt that changes every UTC day, so a visitor
 * can be counted once without a cookie and cannot be followed from one day to the next.
 */
export async function enrichVisit(request: VisitClient, options: EnrichOptions): Promise<VisitDetails> {
  const ip = request.ip ? unmapIpv4(request.ip) : null;
  const ua = request.userAgent?.slice(0, 512) ?? null;
  const place = ip ? (await geoLookup()).lookup(ip) : null;
  return {
    ip: ip ? (options.anonymizeIp ? anonymizeIp(ip) : ip) : null,
    visitorKey: ip || ua ? visitorKey(ip ?? '', ua ?? '', options.secret, options.now) : null,
    ...(ua ? deviceOf(ua) : UNKNOWN_DEVICE),
    country: place?.country || null,
    region: place?.region || null,
    city: place?.city || null,
    referrerHost: referrerHost(request.referer),
    language: firstLanguage(request.acceptLanguage),
    userAgent: ua,
  };
}

/** Looks up the visits that were recorded with their request's facts; visits already looked up pass through. */
export async function enrichVisits(
  visits: readonly (RecordedVisit | VisitRow)[],
  settings: EnrichSettings,
): Promise<VisitRow[]> {
  return Promise.all(
    visits.map(async (visit) => {
      if (!('client' in visit)) return visit;
      const { client, ...facts } = visit;
      return { ...facts, ...(await enrichVisit(client, { ...settings, now: visit.at })) };
    }),
  );
}

type DeviceDetails = Pick<
  VisitDetails,
  'deviceType' | 'deviceVendor' | 'deviceModel' | 'browser' | 'browserVersion' | 'os' | 'osVersion'
>;

const UNKNOWN_DEVICE: DeviceDetails = {
  deviceType: null,
  deviceVendor: null,
  deviceModel: null,
  browser: null,
  browserVersion: null,
  os: null,
  osVersion: null,
};

/** Parsed user agents, remembered: ua-parser-js runs dozens of patterns, and most opens share a few hundred agents. */
const devices = new LRUCache<string, DeviceDetails>({ max: 2000 });

function deviceOf(ua: string): DeviceDetails {
  let device = devices.get(ua);
  if (device) return device;
  const parsed = new UAParser(ua).getResult();
  device = {
    // ua-parser-js leaves the type empty for desktop browsers.
    deviceType: parsed.device.type ?? (parsed.browser.name ? 'desktop' : null),
    deviceVendor: parsed.device.vendor ?? null,
    deviceModel: parsed.device.model ?? null,
    browser: parsed.browser.name ?? null,
    browserVersion: parsed.browser.version ?? null,
    os: parsed.os.name ?? null,
    osVersion: parsed.os.version ?? null,
  };
  devices.set(ua, device);
  return device;
}

/** The day's salt per secret (one HMAC a day instead of one per open). */
const salts = new LRUCache<string, Buffer>({ max: 16 });

/** The salted hash that identifies one visitor for one UTC day. */
export function visitorKey(ip: string, userAgent: string, secret: string, now: Date): string {
  const day = now.toISOString().slice(0, 10);
  const saltKey = `${day}\u0000${secret}`;
  let salt = salts.get(saltKey);
  if (!salt) salts.set(saltKey, (salt = createHmac('sha256', secret).update(`visitor-salt:${day}`).digest()));
  return createHash('sha256').update(salt).update(ip).update('\n').update(userAgent).digest('base64url').slice(0, 22);
}

export function referrerHost(referer: string | null | undefined): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

export function firstLanguage(acceptLanguage: string | null | undefined): string | null {
  const first = acceptLanguage?.split(',')[0]?.split(';')[0]?.trim();
  return first && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(first) ? first : null;
}
