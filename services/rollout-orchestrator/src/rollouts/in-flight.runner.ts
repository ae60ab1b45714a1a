import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, ProjectionRunner, waitForStream } from '@keelson/event-store';
import type { DeviceEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { CLOCK, DATABASE, NATS, numberSetting, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { deviceReachabilityMigrations, deviceReachabilityProjection } from './device-reachability.projection.js';
import { Rollouts } from './rollouts.js';
import { TimeoutSweep } from './timeout-sweep.js';

/** `KEELSON_TIMEOUT_SWEEP_SECONDS` (default 15): how often per-device deadlines are checked. */
export function sweepSecondsOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_TIMEOUT_SWEEP_SECONDS', { default: 15, min: 0.1, max: 3600, integer: false });
}

/**
 * The timers of rollouts in flight: the device-reachability read model (from the gateway's
 * EV_DEVICES, once that stream exists) and the periodic timeout sweep.
 */
@Injectable()
export class InFlightRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('rollouts in flight');
  private readonly projection: ProjectionRunner<DeviceEvent>;
  private readonly sweep: TimeoutSweep;
  private readonly abort = new AbortController();
  private projectionStart: Promise<void> | undefined;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    @Inject(CLOCK) clock: Clock,
    rollouts: Rollouts,
  ) {
    if (!db) throw new Error('rollout-orchestrator: KEELSON_DATABASE_URL is required (the rollout read models live there)');
    const onError = (what: string) => (err: unknown) => this.logger.error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    this.projection = new ProjectionRunner({ nc, naming: config.naming, db, projection: deviceReachabilityProjection, onError: onError('device reachability read model') });
    this.sweep = new TimeoutSweep({ rollouts, db, clock, everyMs: sweepSecondsOf(config) * 1000, onError: onError('timeout sweep') });
  }

  async onModuleInit(): Promise<void> {
    await migrate(this.db!, deviceReachabilityMigrations);
  }

  onApplicationBootstrap(): void {
    this.projectionStart = this.startProjection();
    this.sweep.start();
  }

  private async startProjection(): Promise<void> {
    const stream = `${this.config.naming.streamPrefix}${eventStreams.gateway.name}`;
    if (await waitForStream(this.nc, stream, this.abort.signal, () => undefined)) await this.projection.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.projectionStart?.catch(() => undefined);
    await Promise.all([this.sweep.stop(), this.projection.stop()]);
  }
}
