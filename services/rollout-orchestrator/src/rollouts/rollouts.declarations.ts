import { Logger } from '@nestjs/common';
import { eventStreams } from '@keelson/event-store';
import type { Database } from '@keelson/postgres';
import { describeError, numberSetting, type ModuleDeclaration, type ServiceConfig } from '@keelson/service-kit';
import { ChannelRequests } from '../channels/channel-requests.controller.js';
import { assignBatchOf, assignConcurrencyOf, assignmentsReactor } from './reactors/assignments.reactor.js';
import { deviceOutcomesReactor } from './reactors/device-outcomes.reactor.js';
import { deviceProgressProjection } from './read-models/device-progress.projection.js';
import { deviceReachabilityMigrations, deviceReachabilityProjection } from './read-models/device-reachability.projection.js';
import type { CreateRolloutDeps } from './commands/create-rollout.js';
import { RolloutRequests } from './commands/rollout-requests.controller.js';
import { skippedMessages } from './rollout.metrics.js';
import { retiredRolloutProjections, rolloutsMigrations } from './read-models/rollouts.migrations.js';
import { rolloutViewsProjection } from './read-models/rollout-views.projection.js';
import { rolloutClaimsMigrations } from './read-models/rollout-claims.migrations.js';
import { rolloutClaimsProjection } from './read-models/rollout-claims.projection.js';
import { TimeoutSweep } from './reactors/timeout-sweep.js';

/** Why the orchestrator cannot run without its database. */
export const rolloutTables = 'the rollout read models live there';

/** `KEELSON_TIMEOUT_SWEEP_SECONDS` (default 15): how often per-device deadlines are checked. */
export function sweepSecondsOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_TIMEOUT_SWEEP_SECONDS', { default: 15, min: 0.1, max: 3600, integer: false });
}

export interface RolloutsParts {
  config: ServiceConfig;
  db: Database;
  /** Shared with the command controllers (`ROLLOUT_DEPS`). */
  deps: CreateRolloutDeps;
}

const logger = new Logger('rollouts');
const skipped = skippedMessages();
/** A reactor's unreadable or refused message is skipped, counted and logged, never retried. */
const onPoison = (what: string) => (err: unknown) => {
  skipped.inc({ reactor: what });
  logger.warn(`${what}: skipped a message: ${describeError(err)}`);
};

/**
 * Rollouts: EV_ROLLOUTS and the tables, the rollouts and claims read models, the assignments
 * reactor and the `cmd.orchestrator.*` commands; then what follows the gateway's EV_DEVICES once that
 * stream exists (the gateway declares it, so the orchestrator can start before the gateway): device
 * progress and outcomes; and the timers of rollouts in flight (device reachability, the timeout sweep).
 */
export function rolloutsDeclarations(parts: RolloutsParts): ModuleDeclaration[] {
  const { config, db, deps } = parts;
  const { nc, naming, rollouts, clock, claims, failpoint } = deps;
  const assignments = assignmentsReactor({
    nc,
    naming,
    rollouts,
    clock,
    concurrency: assignConcurrencyOf(config),
    batch: assignBatchOf(config),
    failpoint,
  });
  const sweep = new TimeoutSweep({
    rollouts,
    db,
    clock,
    everyMs: sweepSecondsOf(config) * 1000,
    onError: (err) => logger.error(`timeout sweep: ${describeError(err)}`),
  });
  const gatewayStream = { stream: eventStreams.gateway, owner: 'device-gateway' };
  return [
    {
      module: 'rollouts',
      database: rolloutTables,
      streams: [eventStreams.orchestrator],
      migrations: [...rolloutsMigrations, ...rolloutClaimsMigrations, ...deviceReachabilityMigrations],
      retiredProjections: retiredRolloutProjections,
      projections: [
        { name: 'rollout views read model', projection: rolloutViewsProjection },
        { name: 'rollout claims index', projection: rolloutClaimsProjection },
      ],
      reactors: [
        { name: 'assignments', reactor: assignments, onPoison: onPoison('assignments') },
        // Single-active: its commands are idempotent, but two replicas sweeping would load every rollout twice.
        { name: 'timeout sweep', replicas: 'single-active', start: () => sweep.start(), stop: () => sweep.stop() },
      ],
      requestControllers: [RolloutRequests, ChannelRequests],
    },
    {
      module: 'device outcomes',
      database: rolloutTables,
      needs: [gatewayStream],
      projections: [
        { name: 'device progress read model', projection: deviceProgressProjection },
        { name: 'device reachability read model', projection: deviceReachabilityProjection },
      ],
      reactors: [
        {
          name: 'device outcomes',
          reactor: deviceOutcomesReactor({ rollouts, claims, clock, failpoint }),
          onPoison: onPoison('device outcomes'),
        },
      ],
    },
  ];
}
