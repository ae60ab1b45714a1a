import { Module } from '@nestjs/common';
import { eventStreams } from '@keelson/event-store';
import { declareModule, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { Artifacts } from '../artifacts/artifacts.js';
import { ArtifactsModule } from '../artifacts/artifacts.module.js';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store.js';
import { BlobsModule } from '../blobs/blobs.module.js';
import { RegistryConnections } from '../registry-connections/registry-connections.js';
import { RegistryConnectionsModule } from '../registry-connections/registry-connections.module.js';
import { maxArtifactBytesOf } from '../uploads/upload-limits.js';
import { ContainerRequests } from './container-requests.controller.js';
import { RegistryImagePublisher } from './publish-from-registry.js';

const CONTAINERS_DECLARATION = Symbol('ContainersDeclaration');

/** Container images pinned from connected registries into the blob store; an image is bounded by `KEELSON_MAX_ARTIFACT_BYTES`. */
@Module({
  imports: [ArtifactsModule, BlobsModule, RegistryConnectionsModule],
  controllers: [ContainerRequests],
  providers: [
    {
      provide: CONTAINERS_DECLARATION,
      useValue: declareModule({ module: 'containers', streams: [eventStreams.registry], requestControllers: [ContainerRequests] }),
    },
    {
      provide: RegistryImagePublisher,
      inject: [RegistryConnections, BLOB_STORE, Artifacts, SERVICE_CONFIG],
      useFactory: (connections: RegistryConnections, blobs: BlobStore, artifacts: Artifacts, config: ServiceConfig) =>
        new RegistryImagePublisher(connections, blobs, artifacts, maxArtifactBytesOf(config)),
    },
  ],
})
export class ContainersModule {}
