import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseExperimentEvent, type ExperimentEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import {
  DATABASE,
  declareModule,
  describeError,
  NATS,
  numberSetting,
  requireDatabase,
  SERVICE_CONFIG,
  type ServiceConfig,
} from '@keelson/service-kit';
import type { CreateRolloutDeps } from '../rollouts/commands/create-rollout.js';
import { ROLLOUT_DEPS } from '../rollouts/rollout-deps.js';
import { rolloutTables } from '../rollouts/rollouts.declarations.js';
import { RolloutsModule } from '../rollouts/rollouts.module.js';
import { ExperimentRequests } from './commands/experiment-requests.controller.js';
import { ExperimentDecisionLoop } from './decision-loop/experiment-decision-loop.js';
import { EXPERIMENT_DEPS, type ExperimentDeps } from './experiment-deps.js';
import { Experiments } from './experiments.js';
import { telemetryArmMetrics } from './metrics/arm-metrics-source.js';
import { experimentsMigrations } from './read-models/experiments.migrations.js';
import { experimentsProjection } from './read-models/experiments.projection.js';

const EXPERIMENTS_DECLARATION = Symbol('ExperimentsDeclaration');
const logger = new Logger('experiments');

/** `KEELSON_EXPERIMENT_TICK_SECONDS` (default 30): how often running experiments are judged. */
export function experimentTickSecondsOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_EXPERIMENT_TICK_SECONDS', { default: 30, min: 0.1, max: 3600, integer: false });
}

/** `KEELSON_EXPERIMENT_LOOK_SECONDS` (default 60): how much time one look of the sequential test covers; keep it the same across restarts. */
export function experimentLookSecondsOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_EXPERIMENT_LOOK_SECONDS', { default: 60, min: 1, max: 86_400, integer: false });
}

/** Experiments: the aggregate, its read model, the commands and the single-active decision loop. */
@Module({
  imports: [RolloutsModule],
  controllers: [ExperimentRequests],
  providers: [
    {
      provide: EXPERIMENT_DEPS,
      inject: [NATS, SERVICE_CONFIG, DATABASE, ROLLOUT_DEPS],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null, rolloutDeps: CreateRolloutDeps): ExperimentDeps => {
        const store = new EventStore<ExperimentEvent>({
          nc,
          naming: config.naming,
          stream: eventStreams.orchestrator,
          parse: parseExperimentEvent,
        });
        const metrics = telemetryArmMetrics({ nc, naming: config.naming, now: () => rolloutDeps.clock.now() });
        return { ...rolloutDeps, experiments: new Experiments(store, requireDatabase(db, 'rollout-orchestrator', rolloutTables)), metrics };
      },
    },
    {
      provide: EXPERIMENTS_DECLARATION,
      inject: [SERVICE_CONFIG, EXPERIMENT_DEPS],
      useFactory: (config: ServiceConfig, deps: ExperimentDeps) => {
        const loop = new ExperimentDecisionLoop({
          deps,
          everyMs: experimentTickSecondsOf(config) * 1000,
          lookMs: experimentLookSecondsOf(config) * 1000,
          onError: (err) => logger.error(`experiment decision loop: ${describeError(err)}`),
        });
        return declareModule({
          module: 'experiments',
          database: rolloutTables,
          migrations: experimentsMigrations,
          projections: [{ name: 'experiments read model', projection: experimentsProjection }],
          // Single-active: verdicts are idempotent, but two replicas judging at once would load every experiment twice.
          reactors: [{ name: 'experiment decision loop', replicas: 'single-active', start: () => loop.start(), stop: () => loop.stop() }],
          requestControllers: [ExperimentRequests],
        });
      },
    },
  ],
})
export class ExperimentsModule {}
