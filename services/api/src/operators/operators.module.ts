import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { audit } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import {
  sendRequest,
  CLOCK,
  DATABASE,
  declareModule,
  NATS,
  requireDatabase,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
  type DeclaredWorker,
} from '@keelson/service-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { adminCredentialMigrations, recordAdminCredential } from './admin-credential.js';
import { ApiTokenViews } from './api-token-views.js';
import { AuditSinkRecords } from './audit-sink-records.js';
import { ApiTokens } from './api-tokens.js';
import { ApiTokensController } from './api-tokens.controller.js';
import { apiTokensMigrations, apiTokensProjection } from './api-tokens.projection.js';
import { sinkChangeRelay } from './sink-change-relay.js';

const OPERATOR_EVENTS = Symbol('OperatorEventStore');

// The api keeps API tokens and the admin credential's fingerprint in its own database.
const apiTables = 'API tokens are kept there';

/** The api's side of operator records: its database, clock, event store, and the audit sinks' changes relayed. */
interface OperatorsDeps {
  db: Database;
  clock: Clock;
  store: EventStore<OperatorEvent>;
  sinkChanges: DeclaredWorker;
}

/** Owns EV_OPERATORS, migrates, records a changed admin token at start, projects API tokens, relays unrecorded sink changes. */
function operatorsDeclaration(apiConfig: ApiConfig, { db, clock, store, sinkChanges }: OperatorsDeps): ModuleDeclaration {
  const logger = new Logger('operators');
  const { adminToken, credentialsAuditFleet: auditFleet } = apiConfig;
  // In every replica: a step its start passes (recording the token twice is one aggregate's decision).
  const adminCredential: DeclaredWorker = {
    name: 'admin credential',
    replicas: 'every-replica',
    start: async () => {
      const change = await recordAdminCredential(db, store, { adminToken, auditFleet, now: clock.now() });
      if (change === 'rotated')
        logger.log(`KEELSON_ADMIN_TOKEN changed since the last start: the old token is refused (audited in fleet '${auditFleet}')`);
    },
    stop: () => undefined,
  };
  return {
    module: 'operators',
    database: apiTables,
    streams: [eventStreams.api],
    migrations: [...apiTokensMigrations, ...adminCredentialMigrations],
    projections: [adminCredential, { name: 'api tokens read model', projection: apiTokensProjection }],
    reactors: [sinkChanges],
  };
}

const OPERATORS_DECLARATION = Symbol('OperatorsDeclaration');

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
          useFactory: (nc: NatsConnection, config: ServiceConfig) =>
            new EventStore<OperatorEvent>({ nc, naming: config.naming, stream: eventStreams.api, parse: parseOperatorEvent }),
        },
        { provide: ApiTokens, inject: [OPERATOR_EVENTS], useFactory: (store: EventStore<OperatorEvent>) => new ApiTokens(store) },
        {
          provide: AuditSinkRecords,
          inject: [OPERATOR_EVENTS, NATS, SERVICE_CONFIG],
          useFactory: (store: EventStore<OperatorEvent>, nc: NatsConnection, config: ServiceConfig) =>
            new AuditSinkRecords(
              store,
              async (commandId) => void (await sendRequest(nc, config.naming, audit.sinkChangeRecorded, { commandId })),
            ),
        },
        {
          provide: ApiTokenViews,
          inject: [DATABASE],
          useFactory: (db: Database | null) => new ApiTokenViews(requireDatabase(db, 'api', apiTables)),
        },
        {
          provide: OPERATORS_DECLARATION,
          inject: [DATABASE, CLOCK, OPERATOR_EVENTS, NATS, SERVICE_CONFIG, AuditSinkRecords],
          useFactory: (
            db: Database | null,
            clock: Clock,
            store: EventStore<OperatorEvent>,
            nc: NatsConnection,
            config: ServiceConfig,
            records: AuditSinkRecords,
          ) => {
            const sinkChanges = sinkChangeRelay({ nc, naming: config.naming, records });
            return declareModule(operatorsDeclaration(apiConfig, { db: requireDatabase(db, 'api', apiTables), clock, store, sinkChanges }));
          },
        },
      ],
      exports: [ApiTokens, AuditSinkRecords],
    };
  }
}
