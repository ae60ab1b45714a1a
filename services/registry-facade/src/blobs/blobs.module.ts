import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS, SERVICE_CONFIG, streamReplicasOf, type ServiceConfig } from '@keelson/service-kit';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { DirectoryBlobStore } from './directory-blob-store.js';
import { NatsBlobStore } from './nats-blob-store.js';

/** The object store bucket of the artifacts' bytes, behind the installation's stream prefix. */
export const blobBucketOf = (config: ServiceConfig): string => `${config.naming.streamPrefix}KEELSON_BLOBS`;

/**
 * `KEELSON_BLOB_STORE`: `nats` (default), the JetStream object store every replica reads; or
 * `directory`, `<KEELSON_DATA_DIR>/blobs` of this one process (`npm start`).
 */
export function blobStoreOf(config: ServiceConfig, nc: NatsConnection): BlobStore {
  const kind = config.env.KEELSON_BLOB_STORE || 'nats';
  if (kind === 'directory') return new DirectoryBlobStore(config.dataDir);
  if (kind === 'nats') return new NatsBlobStore(nc, { bucket: blobBucketOf(config), replicas: streamReplicasOf(config) });
  throw new Error(`KEELSON_BLOB_STORE must be 'nats' or 'directory', got '${kind}'`);
}

/** The blob store, opened (created, swept of interrupted uploads) before anything uses it. */
@Module({
  providers: [
    {
      provide: BLOB_STORE,
      inject: [SERVICE_CONFIG, NATS],
      useFactory: async (config: ServiceConfig, nc: NatsConnection) => {
        const store = blobStoreOf(config, nc);
        await store.open();
        return store;
      },
    },
  ],
  exports: [BLOB_STORE],
})
export class BlobsModule {}
