import type { NatsConnection } from '@nats-io/transport-node';
import type { Database } from '@keelson/postgres';
import type { Clock, ServiceConfig } from '@keelson/service-kit';
import type { Channels } from '../channels/channels.js';
import type { CreateRolloutDeps } from './commands/create-rollout.js';
import { failpointOf } from './failpoint.js';
import { RolloutClaims } from './commands/rollout-claims.js';
import { RolloutViews } from './read-models/rollout-views.js';
import type { Rollouts } from './rollouts.js';

/** The Nest token of the one `CreateRolloutDeps` the commands and the reactors share (one claims index, one failpoint). */
export const ROLLOUT_DEPS = Symbol('RolloutDeps');

export function rolloutDepsOf(
  nc: NatsConnection,
  config: ServiceConfig,
  db: Database,
  clock: Clock,
  rollouts: Rollouts,
  channels: Channels,
): CreateRolloutDeps {
  return {
    nc,
    naming: config.naming,
    rollouts,
    views: new RolloutViews(rollouts, db),
    clock,
    claims: new RolloutClaims(db),
    channels,
    failpoint: failpointOf(config.env, config.service),
  };
}
