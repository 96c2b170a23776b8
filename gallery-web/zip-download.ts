import { once } from 'node:events';
import { ZipArchive } from 'archiver';
import type { Request, Response } from 'express';
import { originalKey } from '../core/blob-keys.js';
import type { Logger, BlobStore } from '../core/ports.js';
import type { Gallery } from '../core/types.js';

/**
 * Streams every original of a gallery as one ZIP. Entries are stored, not compressed (the images
 * already are), and opened one at a time, so neither the archive nor more than one image is ever
 * held in memory and only one store connection is used.
 */
export async function streamGalleryZip(
  req: Request,
  res: Response,
  input: { gallery: Gallery; blobs: BlobStore; logger: Logger; fileName: string },
): Promise<void> {
  const { gallery, blobs, logger } = input;
  res.attachment(input.fileName);
  res.type('application/zip');
  res.setHeader('Cache-Control', 'private, no-store');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const archive = new ZipArchive({ store: true });
  let aborted = false;
  const closed = once(res, 'close').then(() => {
    if (!res.writableFinished) {
      aborted = true;
      archive.abort();
    }
  });
  archive.on('warning', (error) => logger.warn({ err: error, slug: gallery.slug }, 'zip warning'));
  archive.on('error', (error) => {
    logger.error({ err: error, slug: gallery.slug }, 'zip failed');
    res.destroy(error);
  });
  archive.pipe(res);
  const names = new Set<string>();
  for (const image of gallery.images) {
    if (aborted) return;
    const blob = await blobs.stream(originalKey(image.hash));
    if (!blob) {
      logger.warn(
        { slug: gallery.slug, position: image.position },
        'original missing from the store; left out of the zip',
      );
      continue;
    }
    const added = once(archive, 'entry');
    archive.append(blob.body, { name: uniqueName(image.originalName, names) });
    // A visitor who leaves mid-download stops the loop instead of leaving it waiting for an entry.
    await Promise.race([added, closed]);
    if (aborted) blob.body.destroy();
  }
  if (!aborted) await archive.finalize();
}

/** Two files called photo.jpg become photo.jpg and photo (2).jpg. */
function uniqueName(name: string, taken: Set<string>): string {
  const safe = name.replace(/[/\\]/g, '_') || 'image';
  let candidate = safe;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) {
    const dot = safe.lastIndexOf('.');
    candidate = dot > 0 ? `${safe.slice(0, dot)} (${n})${safe.slice(dot)}` : `${safe} (${n})`;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}
