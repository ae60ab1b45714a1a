import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type ServiceConfig } from '@keelson/service-kit';
import { ApiModule } from './api.module.js';
import { loadApiConfig } from './api-config.js';

/** The api on the shared infrastructure; fails at start when its own variables are missing. */
export function apiAppModule(config: ServiceConfig): Type {
  const apiConfig = loadApiConfig(config);
  @Module({ imports: [InfrastructureModule.forRoot(config), ApiModule.forRoot(apiConfig)] })
  class KeelsonApiModule {}
  return KeelsonApiModule;
}
