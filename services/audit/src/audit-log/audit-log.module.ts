import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { audit } from '@keelson/commands';
import { eventStreams, ProjectionRunner } from '@keelson/event-store';
import { migrate, type Database } from '@keelson/postgres';
import { CLOCK, DATABASE, handlerFor, NATS, serveCommands, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { verifyChain } from '../audit-chain/verify-chain.js';
import { queryAuditLog } from '../audit-query/audit-query.js';
import { afterCommit } from './after-commit.js';
import { auditEntries, auditLag, auditProjectionErrors } from './audit-log.metrics.js';
import { auditLogMigrations } from './audit-log.migrations.js';
import { auditBatchSize, auditLogProjection } from './audit-log.projection.js';
import type { ChainedEntry } from './audit-log.writer.js';
import { AuditRepublisher } from './audit-republisher.js';
import { ensureEventStreams } from './event-streams.js';
import type { AuditedEvent } from './audited-event.js';

/** The audit log lives in the audit service's own database; without one the service cannot run. */
export function auditDatabase(db: Database | null): Database {
  if (!db) throw new Error('audit: KEELSON_DATABASE_URL is required (the audit log lives there)');
  return db;
}

/** Projects every event stream into the chained audit log and serves `cmd.audit.query` and `cmd.audit.verify`. */
@Injectable()
class AuditLogRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('audit-log');
  private readonly runners: ProjectionRunner<AuditedEvent>[];
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    @Inject(CLOCK) clock: Clock,
  ) {
    const republisher = new AuditRepublisher(nc, config.naming);
    const [entriesCounter, errorsCounter, lag] = [auditEntries(), auditProjectionErrors(), auditLag()];
    this.runners = Object.entries(eventStreams).map(([key, stream]) => {
      const onError = (err: unknown) => {
        errorsCounter.inc({ stream: stream.name });
        this.logger.error(`audit log of ${stream.name}: ${err instanceof Error ? err.message : String(err)}`);
      };
      const committed = afterCommit<ChainedEntry>(auditDatabase(db), (entries) => {
        const now = clock.now().getTime();
        for (const e of entries) {
          entriesCounter.inc({ stream: stream.name, recognised: String(e.recognised) });
          lag.observe({ stream: stream.name }, (now - Date.parse(e.time)) / 1000);
        }
        republisher.publish(entries);
      });
      const projection = auditLogProjection(key, stream, config.naming, committed.collect);
      return new ProjectionRunner({ nc, naming: config.naming, db: committed.db, projection, batchSize: auditBatchSize, onError });
    });
  }

  async onModuleInit(): Promise<void> {
    await ensureEventStreams(await jetstreamManager(this.nc), this.config.naming);
    await migrate(auditDatabase(this.db), auditLogMigrations);
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.start()));
    const db = auditDatabase(this.db);
    const onError = (err: unknown, subject: string) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`);
    this.subscriptions = serveCommands(this.nc, this.config.naming, [
      handlerFor(audit.queryAudit, (input) => queryAuditLog(db, input)),
      handlerFor(audit.verifyAudit, () => verifyChain(db)),
    ], { onError });
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
    await Promise.all(this.runners.map((r) => r.stop()));
  }
}

/** The audit log: its projections, its queries and its republished CloudEvents. */
@Module({ providers: [AuditLogRunner] })
export class AuditLogModule {}
