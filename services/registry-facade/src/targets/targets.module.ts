import { Module } from '@nestjs/common';
import { ArtifactViews } from '../artifacts/artifact-views.js';
import { ArtifactsModule } from '../artifacts/artifacts.module.js';
import { BlobsModule } from '../blobs/blobs.module.js';
import { DeviceAccessModule } from '../device-access/device-access.module.js';
import { DeliverableTargets } from './deliverable-targets.js';
import { TargetsController } from './targets.controller.js';

/** The artifact bytes for devices, from the blob store. */
@Module({
  imports: [ArtifactsModule, BlobsModule, DeviceAccessModule], controllers: [TargetsController],
  providers: [{ provide: DeliverableTargets, inject: [ArtifactViews], useFactory: (views: ArtifactViews) => new DeliverableTargets(views) }],
})
export class TargetsModule {}
