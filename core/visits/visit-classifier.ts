import { LRUCache } from 'lru-cache';
import { isBotAgent, PREVIEW_FETCHERS } from './user-agent-rules.js';
import type { VisitKind, VisitRequest } from './visit-request.js';

/** How a request for a gallery page is counted; `ignored` requests are neither counted nor recorded. */
export type VisitClass =
  | { kind: 'human' }
  | { kind: 'preview'; platform: string }
  | { kind: 'bot' }
  | { kind: 'ignored'; reason: 'head' | 'prefetch' | 'range' };

/** The chat platform whose link-preview fetcher sent this user agent, or null. */
export function previewPlatform(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  return PREVIEW_FETCHERS.find((fetcher) => fetcher.pattern.test(userAgent))?.platform ?? null;
}

/**
 * Decides whether a request for a gallery page is a human open. Only a plain GET from a browser
 * counts: HEAD, prefetches and range requests are ignored; previews are told apart from other
 * crawlers (the `isbot` package's maintained list, adjusted in user-agent-rules.ts) so the owner sees
 * both.
 */
export function classifyVisit(request: VisitRequest): VisitClass {
  if (request.method.toUpperCase() === 'HEAD') return { kind: 'ignored', reason: 'head' };
  if (isPrefetch(request.secPurpose) || isPrefetch(request.purpose)) return { kind: 'ignored', reason: 'prefetch' };
  if (request.range) return { kind: 'ignored', reason: 'range' };
  const userAgent = request.userAgent ?? '';
  let byAgent = agentClasses.get(userAgent);
  if (!byAgent) agentClasses.set(userAgent, (byAgent = classifyUserAgent(userAgent)));
  return byAgent;
}

/**
 * What a user agent is, remembered: most opens come from a few hundred browser versions, and
 * isbot's pattern is long. (Results are never changed by callers.)
 */
const agentClasses = new LRUCache<string, VisitClass>({ max: 2000 });

function classifyUserAgent(userAgent: string): VisitClass {
  const platform = previewPlatform(userAgent);
  if (platform) return { kind: 'preview', platform };
  // No user agent at all is a script, not a person's browser.
  if (!userAgent.trim() || isBotAgent(userAgent)) return { kind: 'bot' };
  return { kind: 'human' };
}

/** The recorded kind of a classified request (null when it is not recorded at all). */
export function recordedKind(visit: VisitClass): VisitKind | null {
  return visit.kind === 'ignored' ? null : visit.kind;
}

/** Older Safari marked its Top Sites thumbnails with `X-Purpose: preview`: a speculative load too. */
function isPrefetch(header: string | null): boolean {
  return !!header && /prefetch|prerender|preview/i.test(header);
}
