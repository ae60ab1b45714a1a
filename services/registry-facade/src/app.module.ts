import { Module, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { InfrastructureModule, type InfrastructureOptions, type ServiceConfig } from '@keelson/service-kit';
import { ArtifactsModule } from './artifacts/artifacts.module.js';
import { ContainersModule } from './containers/containers.module.js';
import { DeviceRoutesModule } from './device-routes/device-routes.module.js';
import { ConnectionGateModule } from './http/connection-gate.module.js';
import { FacadeErrorFilter } from './http/facade-error.filter.js';
import { PublishingModule } from './publishing/publishing.module.js';
import { RegistryConnectionsModule } from './registry-connections/registry-connections.module.js';
import { TargetsModule } from './targets/targets.module.js';
import { TufMetadataModule } from './tuf-metadata/tuf-metadata.module.js';
import { UploadsModule } from './uploads/uploads.module.js';

/** The facade's business modules, without the infrastructure (specs start them on their own). */
export const facadeModules = [
  ArtifactsModule,
  UploadsModule,
  PublishingModule,
  TufMetadataModule,
  TargetsModule,
  DeviceRoutesModule,
  ConnectionGateModule,
  RegistryConnectionsModule,
  ContainersModule,
];

/** The whole registry facade on the shared infrastructure; every error leaves in the facade's error body. */
export function facadeAppModule(config: ServiceConfig, options: InfrastructureOptions = {}): Type {
  @Module({
    imports: [InfrastructureModule.forRoot(config, options), ...facadeModules],
    providers: [{ provide: APP_FILTER, useClass: FacadeErrorFilter }],
  })
  class RegistryFacadeModule {}
  return RegistryFacadeModule;
}
