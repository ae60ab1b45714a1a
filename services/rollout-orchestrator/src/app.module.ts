import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type ServiceConfig } from '@keelson/service-kit';
import { ExperimentsModule } from './experiments/experiments.module.js';
import { RolloutsModule } from './rollouts/rollouts.module.js';

/** The rollout orchestrator: rollouts, channels and experiments on the shared infrastructure. */
export function orchestratorAppModule(config: ServiceConfig): Type {
  @Module({ imports: [InfrastructureModule.forRoot(config), RolloutsModule, ExperimentsModule] })
  class RolloutOrchestratorModule {}
  return RolloutOrchestratorModule;
}
