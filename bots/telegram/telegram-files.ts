import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Telegram } from 'telegraf';
import { TelegramError } from 'telegraf';
import { MaiimgError } from '../../core/errors.js';
import { formatBytes } from '../../core/messages.js';
import type { Logger } from '../../core/ports.js';
import type { IncomingFile } from '../../core/types.js';
import { downloadFile } from '../shared/http-download.js';
import { CLOUD_DOWNLOAD_LIMIT_BYTES, type TelegramConfig } from './telegram-config.js';
import { retryTransient } from '../../core/chat/retry.js';

/** One file a user sent: a photo (its largest size) or a document, not yet downloaded. */
export interface TelegramFileRef {
  fileId: string;
  fileSize?: number;
  /** The sender's file name for documents; photos have none. */
  fileName?: string;
  kind: 'photo' | 'document';
  /** Orders a batch the way the user sent it (updates of one album are handled concurrently). */
  messageId: number;
}

/**
 * Turns a Telegram file into an IncomingFile that downloads only when the core reads it.
 * On the cloud Bot API, files over 20 MB cannot be fetched at all, so they are refused with
 * PLATFORM_FILE_TOO_LARGE before `getFile` is even asked.
 */
export function incomingFile(
  ref: TelegramFileRef,
  name: string,
  deps: { telegram: Telegram; config: TelegramConfig; logger: Logger },
): IncomingFile {
  const { telegram, config, logger } = deps;
  const cloudLimited = !config.localMode;
  return {
    name,
    declaredBytes: ref.fileSize,
    data: async () => {
      const platformTooLarge = () =>
        new MaiimgError('PLATFORM_FILE_TOO_LARGE', { limit: formatBytes(CLOUD_DOWNLOAD_LIMIT_BYTES) });
      if (cloudLimited && ref.fileSize !== undefined && ref.fileSize > CLOUD_DOWNLOAD_LIMIT_BYTES)
        throw platformTooLarge();
      let filePath: string | undefined;
      try {
        filePath = (await retryTransient(() => telegram.getFile(ref.fileId), { logger, what: 'telegram: getFile' }))
          .file_path;
      } catch (error) {
        // Without file_size in the message, the cloud API's refusal is how we learn it is too big.
        if (error instanceof TelegramError && /too big/i.test(error.description)) throw platformTooLarge();
        throw new MaiimgError('DOWNLOAD_FAILED', {}, { cause: error });
      }
      if (!filePath) throw new MaiimgError('DOWNLOAD_FAILED');
      // A `--local` Bot API server hands out absolute paths on the disk it shares with us.
      if (config.localMode && path.isAbsolute(filePath)) return createReadStream(filePath);
      const url = `${config.apiRoot}/file/bot${config.token}/${filePath.split('/').map(encodeURIComponent).join('/')}`;
      const { data } = downloadFile({ url, name, declaredBytes: ref.fileSize });
      return typeof data === 'function' ? data() : data;
    },
  };
}
