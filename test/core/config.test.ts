import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';

const cwd = '/srv/maiimg';

describe('configuration', () => {
  it('runs on the embedded defaults with an empty environment', () => {
    const config = loadConfig({}, cwd);
    expect(config.port).toBe(3000);
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.database).toEqual({
      provider: 'sqlite',
      url: 'file:/srv/maiimg/data/maiimg.db',
      file: '/srv/maiimg/data/maiimg.db',
    });
    expect(config.storage).toEqual({ driver: 'local', dir: '/srv/maiimg/data/files' });
    expect(config.limits).toEqual({
      maxFileBytes: 50 * 1024 * 1024,
      maxBatchFiles: 25,
      maxImagePixels: 100_000_000,
      maxAnimationFrames: 1000,
      maxAnimationPixels: 40_000_000,
    });
    expect(config.chat.batchQuietMs).toBe(2500);
    expect(config.uploads).toMatchObject({
      bytesInFlight: 512 * 1024 * 1024,
      bytesPerIpPerDay: 2 * 1024 * 1024 * 1024,
      defaultExpiryMs: null,
    });
  });

  it('selects PostgreSQL from a postgres:// or postgresql:// URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/x' }, cwd).database.provider).toBe('postgresql');
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/x' }, cwd).database.provider).toBe('postgresql');
  });

  it('derives the public URL from PORT and trims a trailing slash from PUBLIC_BASE_URL', () => {
    expect(loadConfig({ PORT: '8080' }, cwd).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://img.example.com/' }, cwd).publicBaseUrl).toBe(
      'https://img.example.com',
    );
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig(
        {
          PORT: 'abc',
          STORAGE_DRIVER: 's3',
          MAX_BATCH_FILES: '0',
          DATABASE_URL: 'mysql://x',
          PUBLIC_BASE_URL: 'not a url',
        },
        cwd,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/MAX_BATCH_FILES/);
    expect(problems).toMatch(/PUBLIC_BASE_URL/);
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps gallery copies for GALLERY_CACHE_MS, 500 ms unless told, 0 to turn them off, never over 5 s', () => {
    expect(loadConfig({}, cwd).web.galleryCacheMs).toBe(500);
    expect(loadConfig({ GALLERY_CACHE_MS: '0' }, cwd).web.galleryCacheMs).toBe(0);
    expect(() => loadConfig({ GALLERY_CACHE_MS: '-1' }, cwd)).toThrow(/GALLERY_CACHE_MS/);
    expect(() => loadConfig({ GALLERY_CACHE_MS: '60000' }, cwd)).toThrow(/GALLERY_CACHE_MS: must be at most 5000 ms/);
  });

  it('requires a bucket for S3 storage and both keys or neither', () => {
    expect(() => loadConfig({ STORAGE_DRIVER: 's3', S3_ACCESS_KEY_ID: 'a' }, cwd)).toThrow(
      /S3_BUCKET[\s\S]*S3_SECRET_ACCESS_KEY/,
    );
    const config = loadConfig(
      { STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: 'true', S3_ENDPOINT: 'http://127.0.0.1:9000' },
      cwd,
    );
    expect(config.storage).toMatchObject({
      driver: 's3',
      bucket: 'b',
      forcePathStyle: true,
      endpoint: 'http://127.0.0.1:9000',
    });
  });

  it('reads secrets from <NAME>_FILE', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'maiimg-config-'));
    const file = path.join(dir, 'secret');
    await writeFile(file, 's3cr3t\n');
    const config = loadConfig(
      { STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY_FILE: file },
      cwd,
    );
    expect(config.storage).toMatchObject({ secretAccessKey: 's3cr3t' });
    expect(() => loadConfig({ SESSION_SECRET_FILE: path.join(dir, 'missing') }, cwd)).toThrow(
      /SESSION_SECRET_FILE: cannot read/,
    );
  });

  it('speaks Chinese on a Chinese terminal unless DEFAULT_LOCALE says otherwise', () => {
    expect(loadConfig({ LANG: 'zh_CN.UTF-8' }, cwd).defaultLocale).toBe('zh-CN');
    expect(loadConfig({ LANG: 'zh_CN.UTF-8', DEFAULT_LOCALE: 'en' }, cwd).defaultLocale).toBe('en');
    expect(loadConfig({ LANG: 'C.UTF-8' }, cwd).defaultLocale).toBe('en');
  });
});
