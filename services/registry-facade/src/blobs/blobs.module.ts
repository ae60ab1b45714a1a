import { Module } from '@nestjs/common';
import { SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { BlobStore } from './blob-store.js';

/** The blob store under KEELSON_DATA_DIR, opened (and swept of interrupted uploads) before anything uses it. */
@Module({
  providers: [
    {
      provide: BlobStore,
      inject: [SERVICE_CONFIG],
      useFactory: async (config: ServiceConfig) => {
        const store = new BlobStore(config.dataDir);
        await store.open();
        return store;
      },
    },
  ],
  exports: [BlobStore],
})
export class BlobsModule {}
