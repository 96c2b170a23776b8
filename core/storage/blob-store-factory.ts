import type { Config } from '../config.js';
import type { BlobStore } from '../ports.js';
import { LocalBlobStore } from './local-blob-store.js';

/**
 * The blob store selected by `STORAGE_DRIVER`, for the composition root. The S3 client (the AWS SDK,
 * a large module graph) is only loaded when S3 is the store.
 */
export async function createBlobStore(storage: Config['storage']): Promise<BlobStore> {
  switch (storage.driver) {
    case 'local':
      return new LocalBlobStore(storage.dir);
    case 's3': {
      const { S3BlobStore } = await import('./s3-blob-store.js');
      return S3BlobStore.fromConfig(storage);
    }
  }
}
