import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

interface Call {
  input: unknown;
  options: Record<string, unknown> | undefined;
  outputs: string[];
}

const calls: Call[] = [];

// The pipeline gets sharp from sharp-loader.ts (which requires it): every call goes through this spy.
vi.mock('../../../core/images/sharp-loader.js', async (importOriginal) => {
  const loader = await importOriginal<typeof import('../../../core/images/sharp-loader.js')>();
  const real = loader.requireSharp();
  const spy = (input?: unknown, options?: Record<string, unknown>) => {
    const call: Call = { input, options, outputs: [] };
    calls.push(call);
    const instance = real(input as Buffer, options);
    for (const method of ['metadata', 'toBuffer'] as const) {
      const original = instance[method].bind(instance) as (...args: unknown[]) => unknown;
      (instance as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        call.outputs.push(method);
        return original(...args);
      };
    }
    return instance;
  };
  const sharp = Object.assign(spy, real) as unknown as typeof real;
  return { ...loader, requireSharp: () => sharp, loadSharp: () => Promise.resolve(sharp) };
});

const { prepareImage, prepareImageFile, renderDisplayVersion } = await import('../../../core/images/image-pipeline.js');
const { animatedGif, jpegWithPersonalData, noise } = await import('./image-fixtures.js');
const { expectCode } = await import('./expect-error.js');

const limits = { maxImagePixels: 100_000_000 };

describe('how the pipeline uses sharp', () => {
  let jpeg: Buffer;
  beforeEach(async () => {
    jpeg = await jpegWithPersonalData(200, 150);
    calls.length = 0;
  });

  it('never hands sharp an SVG, a TIFF or text', async () => {
    const tiff = await noise(8, 8).tiff().toBuffer();
    calls.length = 0;
    for (const input of [
      Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
      tiff,
      Buffer.from('hello'),
    ]) {
      await expectCode(prepareImage(input, limits), 'UNSUPPORTED_FORMAT');
    }
    expect(calls).toHaveLength(0);
  });

  it('decodes an upright photo once: one header read and one render', async () => {
    await prepareImage(jpeg, limits);
    expect(calls.map((c) => c.outputs).flat()).toEqual(['metadata', 'toBuffer']);
  });

  it('fences every decoding call with limitInputPixels and failOn', async () => {
    const rotated = await jpegWithPersonalData(60, 40, 6);
    const gif = await animatedGif(5, 30);
    calls.length = 0;
    const { cleaned } = await prepareImage(jpeg, limits);
    await prepareImage(rotated, limits);
    await prepareImage(gif, { maxImagePixels: 1000 });
    await renderDisplayVersion(cleaned, 1600, limits);
    const decoding = calls.filter((c) => c.outputs.includes('toBuffer'));
    expect(decoding).toHaveLength(5);
    for (const call of calls) expect(call.options?.limitInputPixels).toEqual(expect.any(Number));
    for (const call of decoding) {
      expect(call.options?.failOn).toBe('error');
      const perFrame = call.options?.animated ? 1000 * 5 : limits.maxImagePixels;
      expect(call.options?.limitInputPixels).toBe(perFrame);
    }
  });

  it('hands sharp the path of an upload on disk, never its bytes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-sharp-'));
    try {
      const file = path.join(dir, 'photo.jpg');
      for (const orientation of [undefined, 6]) {
        const bytes = await jpegWithPersonalData(200, 150, orientation);
        await writeFile(file, bytes);
        calls.length = 0;
        const prepared = await prepareImageFile({ path: file, bytes: bytes.length }, limits, dir);
        await prepared.dispose();
        expect(calls.length).toBeGreaterThan(1);
        for (const call of calls) expect(typeof call.input).toBe('string');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
