import { Module } from '@nestjs/common';
import { ArtifactViews } from '../artifacts/artifact-views.js';
import { ArtifactsModule } from '../artifacts/artifacts.module.js';
import { DeliverableTargets } from './deliverable-targets.js';

/** Which targets a fleet's devices may download, with their lengths (the device routes serve the bytes). */
@Module({
  imports: [ArtifactsModule],
  providers: [
    { provide: DeliverableTargets, inject: [ArtifactViews], useFactory: (views: ArtifactViews) => new DeliverableTargets(views) },
  ],
  exports: [DeliverableTargets],
})
export class TargetsModule {}
