import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, ProjectionRunner, ReactorRunner, retireProjections, waitForStream, type Reactor } from '@keelson/event-store';
import { parseChannelEvent, parseRolloutEvent, type ChannelEvent, type RolloutEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { CLOCK, DATABASE, NATS, serveCommands, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { assignBatchOf, assignConcurrencyOf, assignmentsReactor } from './assignments.reactor.js';
import { deviceOutcomesReactor } from './device-outcomes.reactor.js';
import { deviceProgressProjection } from './device-progress.projection.js';
import { failpointOf, type Failpoint } from './failpoint.js';
import { InFlightRunner } from './in-flight.runner.js';
import { rolloutCommandHandlers } from './rollout-commands.js';
import { skippedMessages } from './rollout.metrics.js';
import { retiredRolloutProjections, rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutsProjection } from './rollouts.projection.js';
import { Rollouts } from './rollouts.js';
import { RolloutClaims } from './rollout-claims.js';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';
import { rolloutClaimsProjection } from './rollout-claims.projection.js';
import { Channels } from '../channels/channels.js';

/** The orchestrator keeps its read models in its own database. */
export function orchestratorDatabase(db: Database | null): Database {
  if (!db) throw new Error('rollout-orchestrator: KEELSON_DATABASE_URL is required (the rollout read models live there)');
  return db;
}

type Runner = { start(): Promise<void>; stop(): Promise<void> };

/**
 * Applies EV_ROLLOUTS and the tables, then runs the two projections, the two reactors and the
 * `cmd.orchestrator.*` commands. Consumers of the gateway's EV_DEVICES start once that stream exists
 * (the gateway declares it), so the orchestrator can start before the gateway.
 */
@Injectable()
class RolloutsRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('rollouts');
  private readonly ownRunners: Runner[];
  private readonly deviceRunners: Runner[];
  private subscriptions: Subscription[] = [];
  private deviceStart: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly failpoint: Failpoint;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly rollouts: Rollouts,
    private readonly channels: Channels,
  ) {
    const { naming } = config;
    const database = orchestratorDatabase(db);
    const onError = (what: string) => (err: unknown) => this.logger.error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    const skipped = skippedMessages();
    const onPoison = (what: string) => (err: unknown) => {
      skipped.inc({ reactor: what });
      this.logger.warn(`${what}: skipped a message: ${err instanceof Error ? err.message : String(err)}`);
    };
    const reactor = <E>(what: string, r: Reactor<E>) =>
      new ReactorRunner<E>({ nc, naming, reactor: r, onError: onError(what), onPoison: onPoison(what) });
    const failpoint = failpointOf(config.env, config.service);
    this.failpoint = failpoint;
    this.ownRunners = [
      new ProjectionRunner({ nc, naming, db: database, projection: rolloutsProjection, onError: onError('rollouts read model') }),
      new ProjectionRunner({ nc, naming, db: database, projection: rolloutClaimsProjection, onError: onError('rollout claims index') }),
      reactor('assignments', assignmentsReactor({ nc, naming, rollouts, clock, concurrency: assignConcurrencyOf(config), batch: assignBatchOf(config), failpoint })),
    ];
    this.deviceRunners = [
      new ProjectionRunner({ nc, naming, db: database, projection: deviceProgressProjection, onError: onError('device progress read model') }),
      reactor('device outcomes', deviceOutcomesReactor({ rollouts, claims: new RolloutClaims(database), clock, failpoint })),
    ];
  }

  async onModuleInit(): Promise<void> {
    await applyStreams(await jetstreamManager(this.nc), this.config.naming, [eventStreams.orchestrator]);
    await migrate(orchestratorDatabase(this.db), [...rolloutsMigrations, ...rolloutClaimsMigrations]);
    const retired = await retireProjections(this.nc, this.config.naming, orchestratorDatabase(this.db), retiredRolloutProjections);
    for (const consumer of retired) this.logger.log(`deleted the consumer ${consumer} of a projection this release no longer runs`);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const r of this.ownRunners) await r.start();
    this.deviceStart = this.startDeviceRunners();
    const onError = (err: unknown, subject: string) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`);
    this.subscriptions = serveCommands(this.nc, this.config.naming, rolloutCommandHandlers({
      nc: this.nc, naming: this.config.naming, rollouts: this.rollouts, clock: this.clock,
      claims: new RolloutClaims(orchestratorDatabase(this.db)), channels: this.channels, failpoint: this.failpoint,
    }), { onError });
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  private async startDeviceRunners(): Promise<void> {
    const stream = `${this.config.naming.streamPrefix}${eventStreams.gateway.name}`;
    if (!(await waitForStream(this.nc, stream, this.abort.signal, () => this.logger.warn(`waiting for ${stream} (the gateway declares it)`)))) return;
    for (const r of this.deviceRunners) await r.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    await this.deviceStart?.catch(() => undefined);
    await Promise.all([...this.ownRunners, ...this.deviceRunners].map((r) => r.stop()));
  }
}

/** Rollouts: the aggregate, its read models, the reactors that assign devices and record outcomes, and the commands. */
@Module({
  providers: [
    RolloutsRunner,
    InFlightRunner,
    {
      provide: Rollouts,
      inject: [NATS, SERVICE_CONFIG, DATABASE],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null) =>
        new Rollouts(new EventStore<RolloutEvent>({ nc, naming: config.naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent }), orchestratorDatabase(db)),
    },
    {
      provide: Channels,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) =>
        new Channels(new EventStore<ChannelEvent>({ nc, naming: config.naming, stream: eventStreams.orchestrator, parse: parseChannelEvent })),
    },
  ],
  exports: [Rollouts, Channels],
})
export class RolloutsModule {}
