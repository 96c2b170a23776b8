import type { Attachment } from 'discord.js';
import { MaiimgError } from '../../core/errors.js';
import type { IncomingFile } from '../../core/types.js';
import { downloadFile } from '../shared/http-download.js';

/**
 * A Discord attachment as an IncomingFile. The size Discord announces is passed on, so the core
 * refuses an oversized file before any byte is fetched; a URL outside the allowed CDN hosts is
 * refused without a request (an attachment URL is data from the platform, not to be trusted blindly).
 */
export function attachmentFile(
  attachment: Pick<Attachment, 'url' | 'name' | 'size'>,
  cdnHosts: readonly string[],
): IncomingFile {
  const name = attachment.name || 'image';
  if (!isAllowedCdnUrl(attachment.url, cdnHosts)) {
    return {
      name,
      declaredBytes: attachment.size,
      data: async () => {
        throw new MaiimgError('DOWNLOAD_FAILED', { reason: 'host not allowed' });
      },
    };
  }
  return downloadFile({ url: attachment.url, name, declaredBytes: attachment.size });
}

/** Only http(s) URLs whose host is one of the configured CDN hosts. */
export function isAllowedCdnUrl(url: string, cdnHosts: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  return cdnHosts.includes(parsed.hostname.toLowerCase());
}
