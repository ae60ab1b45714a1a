import { Logger, Module } from '@nestjs/common';
import type { Database } from '@keelson/postgres';
import {
  DATABASE,
  declareModule,
  requireDatabase,
  SERVICE_CONFIG,
  sealingSecretsOf,
  type DeclaredWorker,
  type ServiceConfig,
} from '@keelson/service-kit';
import { auditTables } from '../audit-log/audit-database.js';
import { AuditSinkRequests } from './audit-sinks.controller.js';
import { auditSinksMigrations } from './audit-sinks.migrations.js';
import { AuditSinks } from './audit-sinks.store.js';
import { auditSinksWorker, sinkDeliveryOptions } from './audit-sinks.worker.js';
import { sinkChangesMigrations } from './sink-changes.js';
import { SinkSecrets, sinkSecretName } from './sink-secrets.js';

const AUDIT_SINKS_DECLARATION = Symbol('AuditSinksDeclaration');

/** At start, before any delivery: brings secrets sealed under `_PREVIOUS` under the current platform secret. */
function resealWorker(db: Database, secrets: SinkSecrets): DeclaredWorker {
  return {
    name: 'audit sink secrets re-seal',
    replicas: 'single-active', // once per rotation: one replica re-seals every row
    start: async () => {
      const resealed = await secrets.resealAll(db);
      if (resealed) new Logger('audit-sinks').log(`re-sealed ${resealed} sink signing secrets under ${sinkSecretName}`);
    },
    stop: () => undefined,
  };
}

/** `KEELSON_AUDIT_SINK_SECRET` (and `_PREVIOUS` while it rotates); bad values stop the audit, naming the variable only. */
function sinkSecretsOf(config: ServiceConfig): SinkSecrets {
  try {
    const secrets = sealingSecretsOf(config.env, sinkSecretName);
    if (!secrets) new Logger('audit-sinks').warn(`${sinkSecretName} is not set: webhook sinks cannot be added or delivered`);
    return new SinkSecrets(secrets);
  } catch (err) {
    throw new Error(`audit: ${(err as Error).message}`);
  }
}

/** Webhook sinks: signed HTTP deliveries of the audit log's CloudEvents, and the commands that manage them. */
@Module({
  controllers: [AuditSinkRequests],
  providers: [
    { provide: SinkSecrets, inject: [SERVICE_CONFIG], useFactory: sinkSecretsOf },
    {
      provide: AuditSinks,
      inject: [DATABASE, SinkSecrets],
      useFactory: (db: Database | null, secrets: SinkSecrets) => new AuditSinks(requireDatabase(db, 'audit', auditTables), secrets),
    },
    {
      provide: AUDIT_SINKS_DECLARATION,
      inject: [SERVICE_CONFIG, DATABASE, SinkSecrets],
      useFactory: (config: ServiceConfig, db: Database | null, secrets: SinkSecrets) => {
        const database = requireDatabase(db, 'audit', auditTables);
        return declareModule({
          module: 'audit-sinks',
          database: auditTables,
          migrations: [...auditSinksMigrations, ...sinkChangesMigrations],
          projections: [resealWorker(database, secrets)],
          reactors: [auditSinksWorker(database, secrets, sinkDeliveryOptions(config))],
          requestControllers: [AuditSinkRequests],
        });
      },
    },
  ],
})
export class AuditSinksModule {}
