/**
 * A plain description of one request for a gallery, built by the web adapter (core/ never sees
 * express). Everything the visit rules need, nothing more.
 */
export interface VisitRequest {
  method: string;
  /** The client's address: the socket's, or the forwarded one when TRUST_PROXY allows it. */
  ip: string | null;
  userAgent: string | null;
  referer: string | null;
  acceptLanguage: string | null;
  /** `Sec-Purpose` / `Purpose` headers: browsers mark speculative loads with `prefetch`. */
  secPurpose: string | null;
  purpose: string | null;
  /** A `Range` header: a human opening a page never asks for part of it. */
  range: string | null;
}

/**
 * human: a person opened the page; preview: a chat app fetched it to unfurl the link; bot: any other
 * crawler; probe: a HEAD, prefetch or Range request (a browser guessing, a link checker, a resumer).
 */
export type VisitKind = 'human' | 'preview' | 'bot' | 'probe';
