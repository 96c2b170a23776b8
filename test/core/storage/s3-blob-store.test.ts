import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMaiimgError } from '../../../core/errors.js';
import { createS3Client, S3BlobStore } from '../../../core/storage/s3-blob-store.js';
import type { S3StorageConfig } from '../../../core/storage/s3-blob-store.js';
import { startS3Server } from '../../helpers/s3-server.js';
import type { TestS3Server } from '../../helpers/s3-server.js';
import { describeBlobStoreContract, freshKey } from './blob-store-contract.js';

function configFor(
  server: Pick<TestS3Server, 'endpoint' | 'bucket' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
): S3StorageConfig {
  return {
    driver: 's3',
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    forcePathStyle: true,
  };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

let contractServer: TestS3Server;
let contractStore: S3BlobStore;
describeBlobStoreContract('S3BlobStore (s3rver)', {
  async open() {
    contractServer = await startS3Server();
    contractStore = S3BlobStore.fromConfig(configFor(contractServer));
    return contractStore;
  },
  async close() {
    contractStore.close();
    await contractServer.stop();
  },
});

describe('S3BlobStore', () => {
  let server: TestS3Server;
  let store: S3BlobStore;

  beforeAll(async () => {
    server = await startS3Server();
    store = S3BlobStore.fromConfig(configFor(server));
  });
  afterAll(async () => {
    store.close();
    await server.stop();
  });

  it('stores the content type with the object', async () => {
    const key = freshKey('display', 'webp');
    await store.put(key, Buffer.from('webp bytes'), 'image/webp');
    const client = createS3Client(configFor(server));
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
      expect(head.ContentType).toBe('image/webp');
    } finally {
      client.destroy();
    }
  });

  it('works with a client passed in by the caller', async () => {
    const client = createS3Client(configFor(server));
    const shared = new S3BlobStore({ client, bucket: server.bucket });
    const key = freshKey();
    await shared.put(key, Buffer.from('shared'), 'image/jpeg');
    expect((await shared.get(key))?.toString()).toBe('shared');
    shared.close(); // not the owner: the client must still work
    expect(await shared.exists(key)).toBe(true);
    client.destroy();
  });

  it('fails ping with STORAGE_UNAVAILABLE when the bucket does not exist', async () => {
    const missing = S3BlobStore.fromConfig({ ...configFor(server), bucket: 'no-such-bucket' }, { maxAttempts: 1 });
    try {
      expect(isMaiimgError(await errorOf(missing.ping()), 'STORAGE_UNAVAILABLE')).toBe(true);
      // A missing bucket must not pass for a missing object.
      expect(isMaiimgError(await errorOf(missing.get(freshKey())), 'STORAGE_UNAVAILABLE')).toBe(true);
    } finally {
      missing.close();
    }
  });

  it('fails with STORAGE_UNAVAILABLE when the credentials are refused', async () => {
    // s3rver does not check SigV4 signatures, only that the access key id exists.
    const wrong = S3BlobStore.fromConfig({ ...configFor(server), accessKeyId: 'UNKNOWN' }, { maxAttempts: 1 });
    try {
      expect(isMaiimgError(await errorOf(wrong.ping()), 'STORAGE_UNAVAILABLE')).toBe(true);
      expect(
        isMaiimgError(await errorOf(wrong.put(freshKey(), Buffer.from('x'), 'image/jpeg')), 'STORAGE_UNAVAILABLE'),
      ).toBe(true);
    } finally {
      wrong.close();
    }
  });

  it(
    'fails every call with STORAGE_UNAVAILABLE when nothing listens at the endpoint',
    { timeout: 120_000 },
    async () => {
      const port = await closedPort();
      const down = S3BlobStore.fromConfig(
        { ...configFor(server), endpoint: `http://127.0.0.1:${port}` },
        { maxAttempts: 1, connectionTimeoutMs: 1000, requestTimeoutMs: 1000 },
      );
      const key = freshKey();
      try {
        for (const call of [
          () => down.put(key, Buffer.from('x'), 'image/jpeg'),
          () => down.get(key),
          () => down.stream(key),
          () => down.stream(key, { start: 0, end: 1 }),
          () => down.stat(key),
          () => down.exists(key),
          () => down.delete(key),
          () => down.ping(),
        ]) {
          const error = await errorOf(call());
          expect(isMaiimgError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
          expect((error as Error).cause).toBeDefined();
        }
      } finally {
        down.close();
      }
    },
  );

  it('fails with STORAGE_UNAVAILABLE once the server it was using stops', { timeout: 120_000 }, async () => {
    const doomed = await startS3Server();
    const doomedStore = S3BlobStore.fromConfig(configFor(doomed), { maxAttempts: 2, connectionTimeoutMs: 1000 });
    try {
      const key = freshKey();
      await doomedStore.put(key, Buffer.from('x'), 'image/jpeg');
      await doomedStore.ping();
      await doomed.stop();
      expect(isMaiimgError(await errorOf(doomedStore.get(key)), 'STORAGE_UNAVAILABLE')).toBe(true);
      expect(isMaiimgError(await errorOf(doomedStore.ping()), 'STORAGE_UNAVAILABLE')).toBe(true);
    } finally {
      doomedStore.close();
      await doomed.stop();
    }
  });

  it('retries a 5xx answer, then reports STORAGE_UNAVAILABLE', async () => {
    let requests = 0;
    const failing = createServer((_req, res) => {
      requests += 1;
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>busy</Message></Error>');
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const { port } = failing.address() as AddressInfo;
    const busy = S3BlobStore.fromConfig(
      { ...configFor(server), endpoint: `http://127.0.0.1:${port}` },
      { maxAttempts: 2 },
    );
    try {
      const error = await errorOf(busy.get(freshKey()));
      expect(isMaiimgError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
      expect(requests).toBe(2);
    } finally {
      busy.close();
      failing.closeAllConnections();
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });
});
