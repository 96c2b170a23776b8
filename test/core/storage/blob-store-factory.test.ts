import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobStore } from '../../../core/storage/blob-store-factory.js';
import { LocalBlobStore } from '../../../core/storage/local-blob-store.js';
import { S3BlobStore } from '../../../core/storage/s3-blob-store.js';
import { startS3Server } from '../../helpers/s3-server.js';
import type { TestS3Server } from '../../helpers/s3-server.js';

describe('createBlobStore', () => {
  let dir: string;
  let server: TestS3Server;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'maiimg-factory-'));
    server = await startS3Server();
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a local store over the configured directory', async () => {
    const store = await createBlobStore({ driver: 'local', dir });
    expect(store).toBeInstanceOf(LocalBlobStore);
    await store.put('originals/a.jpg', Buffer.from('local'), 'image/jpeg');
    expect((await new LocalBlobStore(dir).get('originals/a.jpg'))?.toString()).toBe('local');
  });

  it('makes an S3 store wired to the configured endpoint and bucket', async () => {
    const store = await createBlobStore({
      driver: 's3',
      bucket: server.bucket,
      region: server.region,
      endpoint: server.endpoint,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    });
    expect(store).toBeInstanceOf(S3BlobStore);
    try {
      await store.ping();
      await store.put('originals/b.jpg', Buffer.from('s3'), 'image/jpeg');
      expect((await store.get('originals/b.jpg'))?.toString()).toBe('s3');
    } finally {
      (store as S3BlobStore).close();
    }
  });
});
