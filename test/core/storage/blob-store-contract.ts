import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMaiimgError } from '../../../core/errors.js';
import type { BlobStore } from '../../../core/ports.js';

/** What every BlobStore must do, whatever is behind it. */
export interface ContractTarget {
  /** Called once before the suite; returns a store over an empty bucket / directory. */
  open(): Promise<BlobStore>;
  /** Called once after the suite. */
  close(): Promise<void>;
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

let counter = 0;
/** A fresh key shaped like the core's, so tests never share an object. */
export function freshKey(prefix = 'originals', ext = 'jpg'): string {
  counter += 1;
  return `${prefix}/${randomBytes(16).toString('hex')}-${counter}.${ext}`;
}

/** Every byte value, then noise: catches encoding mistakes and off-by-one ranges. */
export function sampleBytes(length = 4096): Buffer {
  const head = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  return Buffer.concat([head, randomBytes(Math.max(0, length - 256))]).subarray(0, length);
}

export const UNSAFE_KEYS = [
  '',
  '../escape.jpg',
  '../../etc/passwd',
  'originals/../../escape.jpg',
  'originals/..',
  '..',
  '.',
  './originals/a.jpg',
  '/etc/passwd',
  '/tmp/escape.jpg',
  'originals\\..\\..\\escape.jpg',
  'C:\\escape.jpg',
  'c:/escape.jpg',
  'originals/a.jpg\0.png',
  '%2e%2e/escape.jpg',
  '..%2fescape.jpg',
  '%2e%2e%2fescape.jpg',
  'originals/%2e%2e/escape.jpg',
  '\u2024\u2024/escape.jpg', // one-dot leaders that some normalisers turn into '..'
  '\uff0e\uff0e/escape.jpg', // full-width full stops
  'originals//a.jpg',
  'originals/a.jpg/',
  '.hidden',
  'originals/.a.jpg.tmp-1-abcdef',
  'Originals/A.JPG',
  'originals/a b.jpg',
  'originals/a..b.jpg',
  'x'.repeat(1025),
];

export function describeBlobStoreContract(name: string, target: ContractTarget): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;

    beforeAll(async () => {
      store = await target.open();
    });
    afterAll(async () => {
      await target.close();
    });

    it('returns exactly the bytes that were put', async () => {
      const key = freshKey();
      const data = sampleBytes(10_000);
      await store.put(key, data, 'image/jpeg');
      const read = await store.get(key);
      expect(read).not.toBeNull();
      expect(Buffer.isBuffer(read)).toBe(true);
      expect(read!.equals(data)).toBe(true);
    });

    it('keeps an empty object as an empty object', async () => {
      const key = freshKey();
      await store.put(key, Buffer.alloc(0), 'image/jpeg');
      expect((await store.get(key))?.length).toBe(0);
      expect(await store.stat(key)).toEqual({ size: 0 });
      expect(await store.exists(key)).toBe(true);
    });

    it('accepts the key shapes the core makes', async () => {
      const hash = randomBytes(32).toString('hex');
      for (const key of [`originals/${hash}.jpg`, `display/${hash}-480.webp`, `thumbs/${hash}_2x.png`]) {
        await store.put(key, Buffer.from(key), 'image/webp');
        expect((await store.get(key))?.toString()).toBe(key);
      }
    });

    it('replaces the whole object on overwrite, longer or shorter', async () => {
      const key = freshKey();
      await store.put(key, Buffer.alloc(5000, 1), 'image/jpeg');
      await store.put(key, Buffer.alloc(20, 2), 'image/jpeg');
      expect((await store.get(key))!.equals(Buffer.alloc(20, 2))).toBe(true);
      expect(await store.stat(key)).toEqual({ size: 20 });
      await store.put(key, Buffer.alloc(7000, 3), 'image/jpeg');
      expect((await store.get(key))!.equals(Buffer.alloc(7000, 3))).toBe(true);
      expect(await store.stat(key)).toEqual({ size: 7000 });
    });

    it('reports existence and size', async () => {
      const key = freshKey();
      expect(await store.exists(key)).toBe(false);
      await store.put(key, sampleBytes(1234), 'image/png');
      expect(await store.exists(key)).toBe(true);
      expect(await store.stat(key)).toEqual({ size: 1234 });
    });

    it('deletes an object, and deleting a missing key is not an error', async () => {
      const key = freshKey();
      await store.put(key, sampleBytes(100), 'image/jpeg');
      await store.delete(key);
      expect(await store.exists(key)).toBe(false);
      expect(await store.get(key)).toBeNull();
      await expect(store.delete(key)).resolves.toBeUndefined();
      await expect(store.delete(freshKey())).resolves.toBeUndefined();
    });

    it('gives null (or false) for a missing key everywhere', async () => {
      const key = freshKey();
      expect(await store.get(key)).toBeNull();
      expect(await store.stream(key)).toBeNull();
      expect(await store.stream(key, { start: 0, end: 9 })).toBeNull();
      expect(await store.stat(key)).toBeNull();
      expect(await store.exists(key)).toBe(false);
    });

    describe('stream', () => {
      const data = sampleBytes(64 * 1024 + 17);
      const size = data.length;
      const key = freshKey('display', 'webp');
      beforeAll(async () => {
        await store.put(key, data, 'image/webp');
      });

      it('streams the whole object with its size', async () => {
        const result = await store.stream(key);
        expect(result?.size).toBe(size);
        expect((await readAll(result!.body)).equals(data)).toBe(true);
      });

      it.each([
        ['the first byte', 0, 0],
        ['the first bytes', 0, 9],
        ['a middle slice', 1000, 4999],
        ['the last byte', size - 1, size - 1],
        ['everything, as a range', 0, size - 1],
      ])('streams %s (inclusive range) with the total size', async (_label, start, end) => {
        const result = await store.stream(key, { start, end });
        expect(result?.size).toBe(size);
        expect((await readAll(result!.body)).equals(data.subarray(start, end + 1))).toBe(true);
      });

      it('stops at the last byte when the range ends past it', async () => {
        const result = await store.stream(key, { start: size - 5, end: size + 1000 });
        expect(result?.size).toBe(size);
        expect((await readAll(result!.body)).equals(data.subarray(size - 5))).toBe(true);
      });

      it('refuses a range that starts past the end', async () => {
        await expect(store.stream(key, { start: size, end: size + 10 })).rejects.toThrow(RangeError);
      });

      it('refuses a malformed range before doing any I/O', async () => {
        for (const range of [
          { start: 10, end: 5 },
          { start: -1, end: 5 },
          { start: 0.5, end: 5 },
          { start: 0, end: NaN },
        ]) {
          await expect(store.stream(key, range)).rejects.toThrow(RangeError);
        }
      });
    });

    it('refuses unsafe keys in every method with a plain Error', async () => {
      for (const key of UNSAFE_KEYS) {
        const calls: [string, () => Promise<unknown>][] = [
          ['put', () => store.put(key, Buffer.from('x'), 'image/jpeg')],
          ['get', () => store.get(key)],
          ['stream', () => store.stream(key)],
          ['stat', () => store.stat(key)],
          ['exists', () => store.exists(key)],
          ['delete', () => store.delete(key)],
        ];
        for (const [method, call] of calls) {
          const error = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `${method}(${JSON.stringify(key.slice(0, 40))})`).toBeInstanceOf(Error);
          expect(isMaiimgError(error)).toBe(false);
          expect((error as Error).message).toMatch(/unsafe blob key/i);
        }
      }
    });

    it('answers ping when healthy', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
