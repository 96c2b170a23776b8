import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { Config } from '../config.js';
import { MaiimgError } from '../errors.js';
import type { BlobStore } from '../ports.js';
import { assertSafeBlobKey, assertValidRange } from './blob-key.js';

/** The `storage` section of the configuration when `STORAGE_DRIVER=s3`. */
export type S3StorageConfig = Extract<Config['storage'], { driver: 's3' }>;

/** Connection tuning for {@link S3BlobStore.fromConfig}; the defaults suit production. */
export interface S3ClientTuning {
  /** Total tries per request, including the first (SDK "standard" retry mode). Default 3. */
  maxAttempts?: number;
  /** Time allowed to open the TCP/TLS connection, in ms. Default 5000. */
  connectionTimeoutMs?: number;
  /** Socket idle time allowed during a request, in ms. Default 30000. */
  requestTimeoutMs?: number;
}

/** Builds an S3 client for any S3-compatible endpoint from the configuration. */
export function createS3Client(config: S3StorageConfig, tuning: S3ClientTuning = {}): S3Client {
  const clientConfig: S3ClientConfig = {
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    maxAttempts: tuning.maxAttempts ?? 3,
    // The SDK's default is to wait forever on a silent server; a bounded wait lets the caller
    // report "storage unavailable" instead of hanging a chat reply or a page.
    requestHandler: {
      connectionTimeout: tuning.connectionTimeoutMs ?? 5_000,
      requestTimeout: tuning.requestTimeoutMs ?? 30_000,
    },
    // Since early 2025 the SDK adds CRC checksums to every upload by default, which many
    // S3-compatible servers (older MinIO, Ceph, R2, s3rver...) reject; ask only where S3 requires it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (config.accessKeyId && config.secretAccessKey) {
    clientConfig.credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
  }
  return new S3Client(clientConfig);
}

interface S3ErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function isMissingObject(error: unknown): boolean {
  const e = error as S3ErrorShape | null;
  const name = e?.name ?? e?.Code;
  if (name === 'NoSuchKey' || name === 'NotFound') return true;
  // A missing bucket is a broken setup, not a missing object.
  return e?.$metadata?.httpStatusCode === 404 && name !== 'NoSuchBucket';
}

function isUnsatisfiableRange(error: unknown): boolean {
  const e = error as S3ErrorShape | null;
  return e?.name === 'InvalidRange' || e?.$metadata?.httpStatusCode === 416;
}

function unavailable(error: unknown): MaiimgError {
  return new MaiimgError('STORAGE_UNAVAILABLE', {}, { cause: error });
}

/** `bytes 0-9/1234` -> { start: 0, end: 9, total: 1234 }; an unknown (`*`) total gives no total. */
function parseContentRange(contentRange: string | undefined): { start: number; end: number; total?: number } | null {
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(contentRange ?? '');
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

/**
 * A {@link BlobStore} on Amazon S3 or any S3-compatible service (MinIO, R2, B2, Ceph...).
 *
 * A missing object gives null (or a no-op for delete). Every other failure — network errors,
 * timeouts and 5xx after the client's retries, but also refused credentials or a missing bucket —
 * throws `MaiimgError('STORAGE_UNAVAILABLE')` with the SDK error as `cause`, because to a caller
 * they all mean "the images cannot be reached right now". Keys follow the same grammar as the
 * local store, so either driver accepts exactly the same keys.
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;

  /**
   * @param options.client A configured client, e.g. from {@link createS3Client}.
   * @param options.bucket The bucket holding the objects; it must already exist.
   * @param options.ownsClient Whether {@link S3BlobStore.close} should destroy the client. Default false.
   */
  constructor(options: { client: S3Client; bucket: string; ownsClient?: boolean }) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.ownsClient = options.ownsClient ?? false;
  }

  /** The store the app uses: builds and owns its own client from the configuration. */
  static fromConfig(config: S3StorageConfig, tuning?: S3ClientTuning): S3BlobStore {
    return new S3BlobStore({ client: createS3Client(config, tuning), bucket: config.bucket, ownsClient: true });
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    assertSafeBlobKey(key);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ContentType: contentType,
          ContentLength: data.length,
        }),
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    assertSafeBlobKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!response.Body) return Buffer.alloc(0);
      const bytes = await response.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw unavailable(error);
    }
  }

  async stream(key: string, range?: { start: number; end: number }): Promise<{ body: Readable; size: number } | null> {
    assertSafeBlobKey(key);
    if (range) assertValidRange(range);
    let response;
    try {
      response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) return null;
      if (range && isUnsatisfiableRange(error)) {
        throw new RangeError(`Range ${range.start}-${range.end} starts beyond the end of ${key}`, { cause: error });
      }
      throw unavailable(error);
    }
    const body = await toNodeReadable(response.Body);
    const served = parseContentRange(response.ContentRange);
    const size = served?.total ?? response.ContentLength;
    if (size === undefined) {
      body.destroy();
      throw unavailable(new Error(`S3 response for ${key} carried no object size`));
    }
    if (!range) return { body, size };

    if (range.start >= size) {
      body.destroy();
      throw new RangeError(`Range ${range.start}-${range.end} starts beyond the end of ${key} (${size} bytes)`);
    }
    const end = Math.min(range.end, size - 1);
    // A server that ignores Range answers 200 with the whole object.
    const servedStart = served?.start ?? 0;
    const servedEnd = served?.end ?? size - 1;
    if (servedStart === range.start && servedEnd === end) return { body, size };
    // Some S3-compatible servers get ranges wrong (ignored, or `bytes=0-0` read as "from 0"):
    // trim what they sent rather than hand the caller the wrong bytes.
    if (servedStart > range.start || servedEnd < end) {
      body.destroy();
      throw unavailable(new Error(`S3 served bytes ${servedStart}-${servedEnd} of ${key} for ${range.start}-${end}`));
    }
    return { body: Readable.from(slice(body, range.start - servedStart, end - range.start + 1)), size };
  }

  async stat(key: string): Promise<{ size: number } | null> {
    assertSafeBlobKey(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: response.ContentLength ?? 0 };
    } catch (error) {
      if (isMissingObject(error)) return null;
      throw unavailable(error);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    assertSafeBlobKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isMissingObject(error)) return;
      throw unavailable(error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Releases the client's sockets when this store created the client (see `ownsClient`). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }
}

async function toNodeReadable(body: unknown): Promise<Readable> {
  // In Node the SDK's body is an IncomingMessage; other runtimes' bodies are buffered to keep the contract.
  if (body instanceof Readable) return body;
  if (!body) return Readable.from([]);
  const bytes = await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
  return Readable.from([Buffer.from(bytes)]);
}

/** Skips `skip` bytes, yields `length` bytes, then stops (which destroys the source). */
async function* slice(source: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let toSkip = skip;
  let remaining = length;
  for await (const raw of source) {
    let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
    if (toSkip > 0) {
      const dropped = Math.min(toSkip, chunk.length);
      chunk = chunk.subarray(dropped);
      toSkip -= dropped;
    }
    if (chunk.length === 0) continue;
    const part = chunk.subarray(0, remaining);
    remaining -= part.length;
    yield part;
    if (remaining === 0) return;
  }
  if (remaining > 0) throw unavailable(new Error(`S3 body ended ${remaining} bytes short of the range`));
}
