import type { Config } from '../config.js';
import type { BlobStore } from '../ports.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

/** The blob store selected by `STORAGE_DRIVER`, for the composition root. */
export function createBlobStore(storage: Config['storage']): BlobStore {
  switch (storage.driver) {
    case 'local':
      return new LocalBlobStore(storage.dir);
    case 's3':
      return S3BlobStore.fromConfig(storage);
  }
}
