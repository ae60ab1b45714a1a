import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseChannelEvent, parseRolloutEvent, type ChannelEvent, type RolloutEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import {
  CLOCK,
  DATABASE,
  declareModule,
  NATS,
  requireDatabase,
  SERVICE_CONFIG,
  type Clock,
  type ServiceConfig,
} from '@keelson/service-kit';
import { ChannelRequests } from '../channels/channel-requests.controller.js';
import { Channels } from '../channels/channels.js';
import type { CreateRolloutDeps } from './commands/create-rollout.js';
import { RolloutRequests } from './commands/rollout-requests.controller.js';
import { ROLLOUT_DEPS, rolloutDepsOf } from './rollout-deps.js';
import { rolloutsDeclarations, rolloutTables } from './rollouts.declarations.js';
import { Rollouts } from './rollouts.js';

const ROLLOUTS_DECLARATION = Symbol('RolloutsDeclaration');

/** Rollouts: the aggregate, its read models, the reactors that assign devices and record outcomes, and the commands. */
@Module({
  controllers: [RolloutRequests, ChannelRequests],
  providers: [
    {
      provide: Rollouts,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new Rollouts(
          new EventStore<RolloutEvent>({ nc, naming: config.naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent }),
        ),
    },
    {
      provide: Channels,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new Channels(
          new EventStore<ChannelEvent>({ nc, naming: config.naming, stream: eventStreams.orchestrator, parse: parseChannelEvent }),
        ),
    },
    {
      provide: ROLLOUT_DEPS,
      inject: [NATS, SERVICE_CONFIG, DATABASE, CLOCK, Rollouts, Channels],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null, clock: Clock, rollouts: Rollouts, channels: Channels) =>
        rolloutDepsOf(nc, config, requireDatabase(db, 'rollout-orchestrator', rolloutTables), clock, rollouts, channels),
    },
    {
      provide: ROLLOUTS_DECLARATION,
      inject: [SERVICE_CONFIG, DATABASE, ROLLOUT_DEPS],
      useFactory: (config: ServiceConfig, db: Database | null, deps: CreateRolloutDeps) =>
        declareModule(...rolloutsDeclarations({ config, db: requireDatabase(db, 'rollout-orchestrator', rolloutTables), deps })),
    },
  ],
  exports: [Rollouts, Channels, ROLLOUT_DEPS],
})
export class RolloutsModule {}
