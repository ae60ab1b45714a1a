import { Module } from '@nestjs/common';
import { requireEnv, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { Artifacts } from '../artifacts/artifacts.js';
import { ArtifactsModule } from '../artifacts/artifacts.module.js';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store.js';
import { BlobsModule } from '../blobs/blobs.module.js';
import { ArtifactReception } from './receive-artifact.js';
import { maxArtifactBytesOf } from './upload-limits.js';
import { INTERNAL_TOKEN, UploadController } from './upload.controller.js';

/** The internal upload route; needs `KEELSON_INTERNAL_TOKEN`, honours `KEELSON_MAX_ARTIFACT_BYTES`. */
@Module({
  imports: [ArtifactsModule, BlobsModule],
  controllers: [UploadController],
  providers: [
    {
      provide: INTERNAL_TOKEN,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig) => requireEnv(config, 'KEELSON_INTERNAL_TOKEN'),
    },
    {
      provide: ArtifactReception,
      inject: [Artifacts, BLOB_STORE, SERVICE_CONFIG],
      useFactory: (artifacts: Artifacts, blobs: BlobStore, config: ServiceConfig) =>
        new ArtifactReception(artifacts, blobs, maxArtifactBytesOf(config)),
    },
  ],
})
export class UploadsModule {}
