import { Module } from '@nestjs/common';
import { ArtifactsModule } from '../artifacts/artifacts.module.js';
import { BlobsModule } from '../blobs/blobs.module.js';
import { DeviceAccessModule } from '../device-access/device-access.module.js';
import { TargetsController } from './targets.controller.js';

/** The artifact bytes for devices, from the blob store. */
@Module({ imports: [ArtifactsModule, BlobsModule, DeviceAccessModule], controllers: [TargetsController] })
export class TargetsModule {}
