import { Module } from '@nestjs/common';
import type { Database } from '@keelson/postgres';
import { DATABASE, requireDatabase } from '@keelson/service-kit';
import { ArtifactsModule } from '../../artifacts/artifacts.module.js';
import { BLOB_STORE, type BlobStore } from '../../blobs/blob-store.js';
import { BlobsModule } from '../../blobs/blobs.module.js';
import { DeviceAccessModule } from '../../device-access/device-access.module.js';
import { DeviceAuthenticator } from '../../device-access/device-authenticator.js';
import { registryTables } from '../../registry-database.js';
import { DistributionHandler } from './distribution-handler.js';
import { FleetImages } from './fleet-images.js';
import { ImageManifests } from './image-manifests.js';

/**
 * The OCI distribution API for devices: the pinned images of their own fleet, pulled by digest. Its
 * handler is put in front of the app by the device routes (DeviceRoutesModule), on the same server.
 * The artifacts read model (ArtifactsModule) says which images a fleet published.
 */
@Module({
  imports: [ArtifactsModule, DeviceAccessModule, BlobsModule],
  providers: [
    {
      provide: DistributionHandler,
      inject: [DeviceAuthenticator, DATABASE, BLOB_STORE],
      useFactory: (devices: DeviceAuthenticator, db: Database | null, blobs: BlobStore) => {
        const manifests = new ImageManifests(blobs);
        return new DistributionHandler(
          devices,
          new FleetImages(requireDatabase(db, 'registry-facade', registryTables), manifests),
          manifests,
          blobs,
        );
      },
    },
  ],
  exports: [DistributionHandler],
})
export class DistributionModule {}
