import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type InfrastructureOptions, type ServiceConfig } from '@keelson/service-kit';
import { ApiModule } from './api.module.js';
import { loadApiConfig } from './api-config.js';

/** The api on the shared infrastructure; fails at start when its own variables are missing. */
export function apiAppModule(config: ServiceConfig, infrastructure: InfrastructureOptions = {}): Type {
  const apiConfig = loadApiConfig(config);
  @Module({ imports: [InfrastructureModule.forRoot(config, infrastructure), ApiModule.forRoot(apiConfig)] })
  class KeelsonApiModule {}
  return KeelsonApiModule;
}
