import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { eventStreams } from '@keelson/event-store';
import type { Database } from '@keelson/postgres';
import {
  CLOCK,
  DATABASE,
  declareModule,
  NATS,
  requireDatabase,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
} from '@keelson/service-kit';
import { chainVerificationWorker, verifySeconds } from '../audit-chain/chain-verification.js';
import { applyAuditEvents, auditEventsLimits } from '../audit-events/audit-events.stream.js';
import { auditEventsRelay } from '../audit-events/audit-events.relay.js';
import { afterCommit } from './after-commit.js';
import { AuditRequests } from './audit-requests.controller.js';
import { auditTables } from './audit-database.js';
import { auditEntries, auditLag, auditProjectionErrors } from './audit-log.metrics.js';
import { auditLogMigrations } from './audit-log.migrations.js';
import { auditBatchSize, auditLogProjection } from './audit-log.projection.js';
import type { ChainedEntry } from './audit-log.writer.js';
import { ensureEventStreams } from './event-streams.js';

/**
 * Projects every event stream into the chained audit log, relays the entries to the AUDIT_EVENTS
 * stream, and serves `cmd.audit.query` and `cmd.audit.verify`.
 */
function auditLogDeclaration(nc: NatsConnection, config: ServiceConfig, db: Database, clock: Clock): ModuleDeclaration {
  const relay = auditEventsRelay(db, jetstream(nc), config.naming);
  const [entriesCounter, errorsCounter, lag] = [auditEntries(), auditProjectionErrors(), auditLag()];
  const projections = Object.entries(eventStreams).map(([key, stream]) => {
    const committed = afterCommit<ChainedEntry>(db, (entries) => {
      const now = clock.now().getTime();
      for (const e of entries) {
        entriesCounter.inc({ stream: stream.name, recognised: String(e.recognised) });
        lag.observe({ stream: stream.name }, (now - Date.parse(e.time)) / 1000);
      }
      relay.poke();
    });
    const projection = auditLogProjection(key, stream, config.naming, committed.collect);
    const onError = () => errorsCounter.inc({ stream: stream.name });
    return { name: `audit log of ${stream.name}`, projection, db: committed.db, batchSize: auditBatchSize, onError };
  });
  return {
    module: 'audit-log',
    database: auditTables,
    // The audit may start before the owners of the streams: it creates those missing, never updates one.
    applyOtherStreams: async (jsm, replicas) => {
      await ensureEventStreams(jsm, config.naming, replicas);
      await applyAuditEvents(jsm, config.naming, auditEventsLimits(config, replicas));
    },
    migrations: auditLogMigrations,
    projections,
    reactors: [chainVerificationWorker(db, verifySeconds(config)), relay],
    requestControllers: [AuditRequests],
  };
}

const AUDIT_LOG_DECLARATION = Symbol('AuditLogDeclaration');

/** The audit log: its projections, its queries and its relayed CloudEvents. */
@Module({
  controllers: [AuditRequests],
  providers: [
    {
      provide: AUDIT_LOG_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, DATABASE, CLOCK],
      useFactory: (nc: NatsConnection, config: ServiceConfig, db: Database | null, clock: Clock) =>
        declareModule(auditLogDeclaration(nc, config, requireDatabase(db, 'audit', auditTables), clock)),
    },
  ],
})
export class AuditLogModule {}
