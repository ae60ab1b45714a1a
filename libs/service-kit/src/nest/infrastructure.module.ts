import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type Database } from '@keelson/postgres';
import { RequestServer } from '../requests/request-server.js';
import type { ServiceConfig } from '../config.js';
import { CLOCK, DATABASE, NATS, SERVICE_CONFIG, systemClock, type Clock } from '../tokens.js';
import { HealthController } from './health.controller.js';
import { Readiness } from './readiness.js';
import { ServiceLifecycle } from './service-lifecycle.js';
import { connectNats } from '@keelson/nats-kit';
import { stopTracing } from '../tracing/start-tracing.js';

/**
 * Closes the shared connections last: runners and subscriptions stop in `beforeApplicationShutdown`,
 * connections close in `onApplicationShutdown`, so nothing in flight loses its connection.
 */
@Injectable()
class ConnectionsCloser implements OnApplicationShutdown {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(DATABASE) private readonly db: Database | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
    await this.db?.close();
    await stopTracing(); // the spans of the shutdown itself included
  }
}

/** What the process that composes a service may provide instead of the defaults. */
export interface InfrastructureOptions {
  /**
   * The time every handler stamps and judges by (default: the system clock). A process that embeds
   * the service (a spec, a simulation) sets it to make expiries exact instead of waiting for them.
   */
  clock?: Clock;
}

/**
 * Provides NATS, the service's database (when it has one), its config and the clock to every module,
 * and runs every module's declaration (`declareModule`) through one `ServiceRunner`.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: ServiceConfig, options: InfrastructureOptions = {}): DynamicModule {
    return {
      module: InfrastructureModule,
      imports: [DiscoveryModule],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: NATS,
          useFactory: () =>
            connectNats({
              servers: config.natsServers,
              user: config.natsUser,
              pass: config.natsPassword,
              name: config.service,
              maxReconnectAttempts: -1,
              // nats.js builds an Error per request and per publish ack to keep the caller's stack for a
              // later failure: 5 % of the gateway's CPU in an enrollment burst. Errors keep their messages.
              noAsyncTraces: true,
            }),
        },
        { provide: DATABASE, useFactory: () => (config.databaseUrl ? openDatabase({ url: config.databaseUrl }) : null) },
        ConnectionsCloser,
        RequestServer,
        Readiness,
        ServiceLifecycle,
      ],
      exports: [SERVICE_CONFIG, CLOCK, NATS, DATABASE, RequestServer],
    };
  }
}

/** Shorthand for `InfrastructureModule.forRoot(config)`. */
export const infrastructureModule = (config: ServiceConfig, options: InfrastructureOptions = {}): DynamicModule =>
  InfrastructureModule.forRoot(config, options);
