import type { CreateRolloutDeps } from '../rollouts/commands/create-rollout.js';
import type { Experiments } from './experiments.js';
import type { ArmMetricsSource } from './metrics/arm-metrics-source.js';

/** What experiment commands and the decision loop need: the rollout machinery, the experiments and the arms' metrics. */
export interface ExperimentDeps extends CreateRolloutDeps {
  experiments: Experiments;
  metrics: ArmMetricsSource;
}

/** The Nest token of the one `ExperimentDeps` the commands and the decision loop share. */
export const EXPERIMENT_DEPS = Symbol('ExperimentDeps');
