import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MaiimgError } from '../errors.js';
import type { BlobStore } from '../ports.js';
import { assertSafeBlobKey, assertValidRange } from './blob-key.js';

// ENOTDIR: a key like `a.jpg/b` walks through a file, which means "no such object", not a fault.
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR']);

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function isNotFound(error: unknown): boolean {
  const code = errnoCode(error);
  return code !== undefined && NOT_FOUND_CODES.has(code);
}

function unavailable(error: unknown): MaiimgError {
  return new MaiimgError('STORAGE_UNAVAILABLE', {}, { cause: error });
}

/**
 * A {@link BlobStore} over a directory on the local disk.
 *
 * Writes go to a uniquely named temp file next to the target, are fsynced, then renamed over it,
 * so readers see the old object or the new one, never a partial file. Temp names start with a
 * dot, which no valid key can, so a temp file left by a crash is never served as an object.
 * Keys that are not safe relative keys are refused with an Error before touching the disk.
 * Disk failures other than "not found" (EACCES, ENOSPC, EROFS...) throw
 * `MaiimgError('STORAGE_UNAVAILABLE')` with the original error as `cause`.
 */
export class LocalBlobStore implements BlobStore {
  readonly root: string;
  /** Directories this store made or found: a batch writes 50 objects into two of them. */
  private readonly knownDirs = new Set<string>();
  /** Directory fsyncs running, and the one queued after each: see {@link syncDirectoryAfter}. */
  private readonly directorySyncs = new Map<string, { running: Promise<void>; queued: Promise<void> | null }>();

  /** @param root Directory holding the objects; created on first write or ping. */
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  // A plain file has nowhere to keep a content type; the key's extension carries the format instead.
  async put(key: string, data: Buffer, _contentType: string): Promise<void> {
    await this.writeAtomically(key, (temp) => writeDurably(temp, data));
  }

  // The kernel copies (copy_file_range): a large upload's bytes never pass through this process.
  // A file given away (`move`) on the same filesystem is made durable where it is and renamed in.
  async putFile(key: string, source: string, _contentType: string, options: { move?: boolean } = {}): Promise<void> {
    if (options.move && (await this.moveIn(key, source))) return;
    await this.writeAtomically(key, async (temp) => {
      await copyFile(source, temp, fsConstants.COPYFILE_EXCL);
      await syncFile(temp);
    });
  }

  /** Renames a durable `source` onto the key; false when it lives on another filesystem (EXDEV). */
  private async moveIn(key: string, source: string): Promise<boolean> {
    const target = this.pathFor(key);
    const dir = path.dirname(target);
    try {
      await syncFile(source);
      await this.inDirectory(dir, () => rename(source, target));
    } catch (error) {
      if (errnoCode(error) === 'EXDEV') return false;
      throw unavailable(error);
    }
    await this.syncDirectoryAfter(dir);
    return true;
  }

  private async writeAtomically(key: string, write: (temp: string) => Promise<void>): Promise<void> {
    const target = this.pathFor(key);
    const dir = path.dirname(target);
    const temp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await this.inDirectory(dir, async () => {
        await write(temp);
        await rename(temp, target);
      });
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw unavailable(error);
    }
    await this.syncDirectoryAfter(dir);
  }

  /**
   * Runs `write` once `dir` exists, made the first time only. A directory removed behind the
   * store's back (an operator emptying it) shows as ENOENT: it is made again and `write` retried once.
   */
  private async inDirectory<T>(dir: string, write: () => Promise<T>): Promise<T> {
    const known = this.knownDirs.has(dir);
    if (!known) await this.makeDirectory(dir);
    try {
      return await write();
    } catch (error) {
      if (!known || errnoCode(error) !== 'ENOENT') throw error;
      this.knownDirs.delete(dir);
      await this.makeDirectory(dir);
      return write();
    }
  }

  private async makeDirectory(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  /**
   * Resolves once an fsync of `dir` that began after this call has finished, so a rename made before
   * the call survives a power loss. Renames that arrive while one fsync runs share the next one:
   * a batch's 50 renames into two directories cost a few directory fsyncs, not 50, and each waits on
   * libuv's small thread pool, which image decodes need too.
   */
  private syncDirectoryAfter(dir: string): Promise<void> {
    const current = this.directorySyncs.get(dir);
    if (!current) return this.startDirectorySync(dir);
    current.queued ??= current.running.then(() => this.startDirectorySync(dir));
    return current.queued;
  }

  private startDirectorySync(dir: string): Promise<void> {
    const entry: { running: Promise<void>; queued: Promise<void> | null } = {
      running: Promise.resolve(),
      queued: null,
    };
    entry.running = syncDirectory(dir).finally(() => {
      if (this.directorySyncs.get(dir) === entry) this.directorySyncs.delete(dir);
    });
    this.directorySyncs.set(dir, entry);
    return entry.running;
  }

  async get(key: string): Promise<Buffer | null> {
    const file = this.pathFor(key);
    try {
      return await readFile(file);
    } catch (error) {
      if (isNotFound(error) || errnoCode(error) === 'EISDIR') return null;
      throw unavailable(error);
    }
  }

  async stream(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number } | null> {
    const file = this.pathFor(key);
    if (range) assertValidRange(range);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable(error);
    }
    // Size and bytes come from the same open file, so a concurrent overwrite (a rename) cannot
    // pair the old size with the new content.
    let size: number;
    try {
      const info = await handle.stat();
      size = info.isFile() ? info.size : -1;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw unavailable(error);
    }
    if (size < 0) {
      await handle.close().catch(() => undefined);
      return null;
    }
    if (range && range.start >= size) {
      await handle.close().catch(() => undefined);
      throw new RangeError(`Range ${range.start}-${range.end} starts beyond the end of ${key} (${size} bytes)`);
    }
    const body = range
      ? handle.createReadStream({ start: range.start, end: Math.min(range.end, size - 1) })
      : handle.createReadStream();
    return { body, size };
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const file = this.pathFor(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { size: info.size } : null;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw unavailable(error);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    const file = this.pathFor(key);
    try {
      await unlink(file);
    } catch (error) {
      // EISDIR/EPERM: the key names a directory, which is not an object, so there is nothing to delete.
      const code = errnoCode(error);
      if (isNotFound(error) || code === 'EISDIR' || (code === 'EPERM' && (await isDirectory(file)))) return;
      throw unavailable(error);
    }
  }

  async ping(): Promise<void> {
    // A real write rather than access(W_OK): it also catches a full disk or a read-only remount.
    const probe = path.join(this.root, `.ping.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(this.root, { recursive: true });
      await writeDurably(probe, Buffer.from('ok'));
    } catch (error) {
      throw unavailable(error);
    } finally {
      await rm(probe, { force: true }).catch(() => undefined);
    }
  }

  private pathFor(key: string): string {
    assertSafeBlobKey(key);
    const file = path.join(this.root, ...key.split('/'));
    // The key grammar already makes escaping impossible; this is a second lock on the same door.
    if (!file.startsWith(this.root + path.sep)) {
      throw new Error(`Unsafe blob key refused: ${JSON.stringify(key)}`);
    }
    return file;
  }
}

async function writeDurably(file: string, data: Buffer): Promise<void> {
  const handle = await open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// Makes the rename itself survive a power loss. Best effort: some filesystems refuse to fsync a
// directory, and the object is already complete and visible at this point.
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // ignored on purpose, see above
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}
