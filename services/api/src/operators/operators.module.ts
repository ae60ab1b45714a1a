import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type DynamicModule, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, ProjectionRunner } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import { migrate, type Database } from '@keelson/postgres';
import { CLOCK, DATABASE, NATS, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { adminCredentialMigrations, recordAdminCredential } from './admin-credential.js';
import { ApiTokenViews } from './api-token-views.js';
import { ApiTokens } from './api-tokens.js';
import { ApiTokensController } from './api-tokens.controller.js';
import { apiTokensMigrations, apiTokensProjection } from './api-tokens.projection.js';

const OPERATOR_EVENTS = Symbol('OperatorEventStore');

/** The api keeps API tokens and the admin credential's fingerprint in its own database. */
function apiDatabase(db: Database | null): Database {
  if (!db) throw new Error('api: KEELSON_DATABASE_URL is required (API tokens are kept there)');
  return db;
}

/** Declares EV_OPERATORS, migrates, projects API tokens and records a changed admin token at start. */
@Injectable()
class OperatorsRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('operators');
  private readonly projection: ProjectionRunner<OperatorEvent>;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(API_CONFIG) private readonly apiConfig: ApiConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(OPERATOR_EVENTS) private readonly store: EventStore<OperatorEvent>,
  ) {
    const onError = (err: unknown) => this.logger.error(`api tokens read model: ${err instanceof Error ? err.message : String(err)}`);
    this.projection = new ProjectionRunner({ nc, naming: config.naming, db: apiDatabase(db), projection: apiTokensProjection, onError });
  }

  async onModuleInit(): Promise<void> {
    await applyStreams(await jetstreamManager(this.nc), this.config.naming, [eventStreams.api]);
    await migrate(apiDatabase(this.db), [...apiTokensMigrations, ...adminCredentialMigrations]);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { adminToken, credentialsAuditFleet: auditFleet } = this.apiConfig;
    const change = await recordAdminCredential(apiDatabase(this.db), this.store, { adminToken, auditFleet, now: this.clock.now() });
    if (change === 'rotated') this.logger.log(`KEELSON_ADMIN_TOKEN changed since the last start: the old token is refused (audited in fleet '${auditFleet}')`);
    await this.projection.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }
}

/** Operator API tokens (`/v1/tokens`) and the admin credential; exports what the auth guard checks tokens with. */
@Module({})
export class OperatorsModule {
  static forRoot(apiConfig: ApiConfig): DynamicModule {
    return {
      module: OperatorsModule,
      controllers: [ApiTokensController],
      providers: [
        { provide: API_CONFIG, useValue: apiConfig },
        {
          provide: OPERATOR_EVENTS,
          inject: [NATS, SERVICE_CONFIG],
          useFactory: (nc: NatsConnection, config: ServiceConfig) => new EventStore<OperatorEvent>({ nc, naming: config.naming, stream: eventStreams.api, parse: parseOperatorEvent }),
        },
        { provide: ApiTokens, inject: [OPERATOR_EVENTS], useFactory: (store: EventStore<OperatorEvent>) => new ApiTokens(store) },
        { provide: ApiTokenViews, inject: [DATABASE], useFactory: (db: Database | null) => new ApiTokenViews(apiDatabase(db)) },
        OperatorsRunner,
      ],
      exports: [ApiTokens],
    };
  }
}
