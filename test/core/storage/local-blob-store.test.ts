import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMaiimgError } from '../../../core/errors.js';
import { LocalBlobStore } from '../../../core/storage/local-blob-store.js';
import { describeBlobStoreContract, freshKey, readAll, UNSAFE_KEYS } from './blob-store-contract.js';

let contractDir: string;
describeBlobStoreContract('LocalBlobStore', {
  async open() {
    contractDir = await mkdtemp(path.join(tmpdir(), 'maiimg-local-contract-'));
    return new LocalBlobStore(path.join(contractDir, 'files'));
  },
  async close() {
    await rm(contractDir, { recursive: true, force: true });
  },
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('LocalBlobStore', () => {
  let base: string;
  let root: string;
  let store: LocalBlobStore;

  beforeAll(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'maiimg-local-'));
    root = path.join(base, 'sandbox', 'files');
    store = new LocalBlobStore(root);
    await store.ping();
  });
  afterAll(async () => {
    await chmod(base, 0o755).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  it('writes nothing outside its root, whatever the key', async () => {
    for (const key of UNSAFE_KEYS) {
      await errorOf(store.put(key, Buffer.from('escaped'), 'image/jpeg'));
      await errorOf(store.delete(key));
    }
    // Only the root itself may appear in the sandbox; the base holds only the sandbox.
    expect(await readdir(base)).toEqual(['sandbox']);
    expect(await readdir(path.join(base, 'sandbox'))).toEqual(['files']);
    expect(await listFiles(root)).toEqual([]);
  });

  it('refuses a key that would read a file just outside the root', async () => {
    await writeFile(path.join(base, 'sandbox', 'secret.txt'), 'secret');
    try {
      for (const key of ['../secret.txt', 'a/../../secret.txt', `${root}/../secret.txt`, '%2e%2e/secret.txt']) {
        await expect(store.get(key)).rejects.toThrow(/unsafe blob key/i);
        await expect(store.stream(key)).rejects.toThrow(/unsafe blob key/i);
      }
    } finally {
      await rm(path.join(base, 'sandbox', 'secret.txt'));
    }
  });

  it('stores objects under the root at the path the key names', async () => {
    const key = freshKey('display', 'webp');
    await store.put(key, Buffer.from('abc'), 'image/webp');
    expect(await listFiles(root)).toContain(path.join(...key.split('/')));
    await store.delete(key);
  });

  it('leaves no temp files behind after many puts', async () => {
    const keys = Array.from({ length: 10 }, () => freshKey());
    await Promise.all(
      keys.flatMap((key) => [1, 2, 3].map((n) => store.put(key, Buffer.alloc(1000 * n, n), 'image/jpeg'))),
    );
    const files = await listFiles(root);
    expect(files.filter((f) => f.includes('.tmp-') || path.basename(f).startsWith('.'))).toEqual([]);
    for (const key of keys) expect((await store.stat(key))?.size).toBeGreaterThan(0);
    await Promise.all(keys.map((key) => store.delete(key)));
  });

  // Generous timeout: every put fsyncs, and on a loaded CI machine fsync can take seconds.
  it('never lets a reader see a partial or mixed object during overwrites', { timeout: 180_000 }, async () => {
    const key = freshKey();
    // Different lengths and fill bytes: a torn read shows up as a wrong length or a mixed buffer.
    const a = Buffer.alloc(256 * 1024, 0xaa);
    const b = Buffer.alloc(384 * 1024, 0xbb);
    const isWhole = (buf: Buffer) => buf.equals(a) || buf.equals(b);
    await store.put(key, a, 'image/jpeg');

    let writing = true;
    let reads = 0;
    const bad: string[] = [];
    const reader = async (useStream: boolean) => {
      while (writing) {
        if (useStream) {
          const result = await store.stream(key);
          if (!result) {
            bad.push('stream: null');
            continue;
          }
          const buf = await readAll(result.body);
          if (!isWhole(buf) || buf.length !== result.size) bad.push(`stream: ${buf.length} bytes, size ${result.size}`);
        } else {
          const buf = await store.get(key);
          if (!buf || !isWhole(buf)) bad.push(`get: ${buf?.length ?? 'null'}`);
        }
        reads += 1;
      }
    };
    const writer = async () => {
      const started = Date.now();
      for (let i = 0; i < 30 && (i < 6 || Date.now() - started < 10_000); i += 1) {
        await store.put(key, i % 2 ? a : b, 'image/jpeg');
      }
      writing = false;
    };
    await Promise.all([writer(), reader(false), reader(false), reader(true), reader(true)]);

    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(4);
    expect((await listFiles(root)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    await store.delete(key);
  });

  it('never serves a temp file left by a crash as an object', async () => {
    const key = freshKey();
    const [dir, name] = key.split('/');
    await mkdir(path.join(root, dir), { recursive: true });
    const leftover = `.${name}.tmp-999-deadbeef`;
    await writeFile(path.join(root, dir, leftover), 'half a file');

    expect(await store.get(key)).toBeNull();
    expect(await store.exists(key)).toBe(false);
    await expect(store.get(`${dir}/${leftover}`)).rejects.toThrow(/unsafe blob key/i);
    await store.put(key, Buffer.from('whole'), 'image/jpeg');
    expect((await store.get(key))?.toString()).toBe('whole');
    await rm(path.join(root, dir, leftover));
    await store.delete(key);
  });

  it('treats a key that names a directory as missing', async () => {
    const key = freshKey('nested');
    await store.put(key, Buffer.from('x'), 'image/jpeg');
    expect(await store.get('nested')).toBeNull();
    expect(await store.stream('nested')).toBeNull();
    expect(await store.stat('nested')).toBeNull();
    await expect(store.delete('nested')).resolves.toBeUndefined();
    expect(await store.get(key)).not.toBeNull();
    // A key that walks through a file is missing too (ENOTDIR), not a storage fault.
    expect(await store.get(`${key}/more`)).toBeNull();
    await store.delete(key);
  });

  it('creates its root on ping and first put', async () => {
    const fresh = new LocalBlobStore(path.join(base, 'later', 'files'));
    await fresh.ping();
    expect(await readdir(path.join(base, 'later', 'files'))).toEqual([]);
    const other = new LocalBlobStore(path.join(base, 'later2', 'files'));
    await other.put('originals/a.jpg', Buffer.from('a'), 'image/jpeg');
    expect((await other.get('originals/a.jpg'))?.toString()).toBe('a');
  });

  it('takes a file given away with move, and copies one that is not', async () => {
    const given = path.join(base, 'given.jpg');
    const kept = path.join(base, 'kept.jpg');
    await writeFile(given, 'moved bytes');
    await writeFile(kept, 'copied bytes');
    const [movedKey, copiedKey] = [freshKey(), freshKey()];
    await store.putFile(movedKey, given, 'image/jpeg', { move: true });
    await store.putFile(copiedKey, kept, 'image/jpeg');
    expect((await store.get(movedKey))?.toString()).toBe('moved bytes');
    expect((await store.get(copiedKey))?.toString()).toBe('copied bytes');
    expect(await readdir(base)).not.toContain('given.jpg');
    expect(await readdir(base)).toContain('kept.jpg');
  });

  it('lands every one of many concurrent puts into one directory (their directory fsyncs are shared)', async () => {
    const keys = Array.from({ length: 40 }, () => freshKey('display', 'webp'));
    await Promise.all(keys.map((key, i) => store.put(key, Buffer.from(`object ${i}`), 'image/webp')));
    const read = await Promise.all(keys.map(async (key) => (await store.get(key))?.toString()));
    expect(read).toEqual(keys.map((_, i) => `object ${i}`));
  });

  it('makes its directories again when they are removed behind its back', async () => {
    const own = new LocalBlobStore(path.join(base, 'emptied', 'files'));
    await own.put(freshKey(), Buffer.from('first'), 'image/jpeg');
    await own.putFile(freshKey(), path.join(base, 'kept.jpg'), 'image/jpeg');
    await rm(path.join(base, 'emptied'), { recursive: true, force: true });
    const [again, copied, moved] = [freshKey(), freshKey(), freshKey()];
    await own.put(again, Buffer.from('again'), 'image/jpeg');
    expect((await own.get(again))?.toString()).toBe('again');
    await rm(path.join(base, 'emptied'), { recursive: true, force: true });
    await own.putFile(copied, path.join(base, 'kept.jpg'), 'image/jpeg');
    expect((await own.get(copied))?.toString()).toBe('copied bytes');
    await rm(path.join(base, 'emptied'), { recursive: true, force: true });
    await writeFile(path.join(base, 'given-later.jpg'), 'given later');
    await own.putFile(moved, path.join(base, 'given-later.jpg'), 'image/jpeg', { move: true });
    expect((await own.get(moved))?.toString()).toBe('given later');
  });

  describe('when the disk cannot be used', () => {
    let blocked: LocalBlobStore;
    beforeAll(async () => {
      // A regular file where the root directory should be: every write fails whoever runs the test.
      const file = path.join(base, 'not-a-directory');
      await writeFile(file, 'x');
      blocked = new LocalBlobStore(file);
    });

    it('fails ping with STORAGE_UNAVAILABLE', async () => {
      const error = await errorOf(blocked.ping());
      expect(isMaiimgError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
      expect((error as Error).cause).toHaveProperty('code');
    });

    it('fails put with STORAGE_UNAVAILABLE and the errno error as cause', async () => {
      const error = await errorOf(blocked.put('originals/a.jpg', Buffer.from('x'), 'image/jpeg'));
      expect(isMaiimgError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toMatch(/^(ENOTDIR|EEXIST)$/);
    });

    const isRoot = process.getuid?.() === 0;
    it.skipIf(isRoot)('turns EACCES on read into STORAGE_UNAVAILABLE (skipped as root)', async () => {
      const key = freshKey();
      await store.put(key, Buffer.from('x'), 'image/jpeg');
      const file = path.join(root, ...key.split('/'));
      await chmod(file, 0o000);
      try {
        expect(isMaiimgError(await errorOf(store.get(key)), 'STORAGE_UNAVAILABLE')).toBe(true);
        expect(isMaiimgError(await errorOf(store.stream(key)), 'STORAGE_UNAVAILABLE')).toBe(true);
      } finally {
        await chmod(file, 0o644);
      }
    });

    it.skipIf(isRoot)('fails ping when the root is read-only (skipped as root)', async () => {
      const readOnly = path.join(base, 'read-only');
      await mkdir(readOnly);
      await chmod(readOnly, 0o555);
      try {
        const error = await errorOf(new LocalBlobStore(readOnly).ping());
        expect(isMaiimgError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
      } finally {
        await chmod(readOnly, 0o755);
      }
    });
  });
});
