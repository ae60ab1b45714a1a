import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type ServiceConfig } from '@keelson/service-kit';
import { RolloutsModule } from './rollouts/rollouts.module.js';

/** The rollout orchestrator: rollouts on the shared infrastructure. */
export function orchestratorAppModule(config: ServiceConfig): Type {
  @Module({ imports: [InfrastructureModule.forRoot(config), RolloutsModule] })
  class RolloutOrchestratorModule {}
  return RolloutOrchestratorModule;
}
