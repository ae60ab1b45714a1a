import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { applyStreams, eventStreams, EventStore, type EventMetadata } from '@keelson/event-store';
import { parseEvent, type KeelsonEvent } from '@keelson/events';
import { launchService, type RunningService } from '@keelson/local-infra';
import { openDatabase, type Database } from '@keelson/postgres';
import { createServiceApp, loadServiceConfig, type Clock } from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, testEnv, testNamespace, type TestDatabase, type TestNamespace } from '@keelson/testing';
import { auditAppModule } from '../app.module.js';
import { auditEventsStream } from '../audit-events/audit-events.stream.js';

/** The event stores of the owning services, writing as they would (validated events, metadata in headers). */
export type OwnerStores = Record<keyof typeof eventStreams, EventStore<KeelsonEvent>>;

/** The audit app against the run's NATS and a database of its own, restartable on the same names and data. */
export interface AuditHarness {
  nc: NatsConnection;
  db: Database;
  naming: TestNamespace;
  stores: OwnerStores;
  app(): INestApplication;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The audit as its own process instead (built `dist/main.js`; build first), for crash specs: same names, database and data. */
  launch(): Promise<RunningService>;
  /** Appends events to a subject after whatever it holds, with `actor` in the headers. */
  append(
    owner: keyof OwnerStores,
    subject: string,
    events: KeelsonEvent[],
    actor: EventMetadata['actor'],
    correlationId?: string,
  ): Promise<void>;
  close(): Promise<void>;
}

const auditEntry = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

/**
 * `clock` stands in for the system clock in the audit (the time entries are judged written at);
 * `env` adds settings to the audit's configuration (in-process and launched alike).
 */
export async function auditHarness(options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<AuditHarness> {
  const naming = testNamespace();
  const nc = await connectTestNats();
  await applyStreams(await jetstreamManager(nc), naming, Object.values(eventStreams)); // as each owner does when it starts
  const testDb: TestDatabase = await createTestDatabase();
  const db = await openDatabase({ url: testDb.url });
  const dataDir = mkdtempSync(join(tmpdir(), 'keelson-audit-'));
  const { natsUrl, natsUser, natsPass } = testEnv();
  const env = {
    KEELSON_NATS_URL: natsUrl,
    KEELSON_NATS_USER: natsUser,
    KEELSON_NATS_PASSWORD: natsPass,
    KEELSON_DATABASE_URL: testDb.url,
    KEELSON_DATA_DIR: dataDir,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
    // AUDIT_EVENTS reserves its byte limit on the run's one NATS server, shared by every spec file and
    // worker: 64 MiB here, not the 10 GiB default, so the run never depends on the machine's free disk.
    KEELSON_AUDIT_EVENTS_MAX_MB: '64',
    ...options.env,
  };
  const config = loadServiceConfig('audit', env);
  const store = (stream: (typeof eventStreams)[keyof typeof eventStreams]) =>
    new EventStore<KeelsonEvent>({ nc, naming, stream, parse: parseEvent });
  const stores: OwnerStores = {
    registry: store(eventStreams.registry),
    signer: store(eventStreams.signer),
    orchestrator: store(eventStreams.orchestrator),
    gateway: store(eventStreams.gateway),
    api: store(eventStreams.api),
  };
  let app: INestApplication | undefined;
  let n = 0;
  const harness: AuditHarness = {
    nc,
    db,
    naming,
    stores,
    app: () => app!,
    async start() {
      app = await createServiceApp(auditAppModule(config, { clock: options.clock }), config);
      await app.init();
    },
    async stop() {
      await app?.close();
      app = undefined;
    },
    launch: () =>
      launchService({ name: 'audit', entry: auditEntry, env: { PATH: process.env.PATH, ...env }, logFile: join(dataDir, 'audit.log') }),
    async append(owner, subject, events, actor, correlationId = 'corr-1') {
      const s = stores[owner];
      const { lastSeq } = await s.load(subject);
      await s.append(subject, lastSeq, events, { actor, correlationId, commandId: `cmd-${++n}` });
    },
    async close() {
      await harness.stop();
      // AUDIT_EVENTS reserves its max_bytes on the run's one NATS server: left behind, enough of them
      // would exhaust its storage and a later audit spec could not declare its own.
      await (await jetstreamManager(nc)).streams.delete(`${naming.streamPrefix}${auditEventsStream.name}`).catch(() => false);
      await nc.close();
      await db.close();
      await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
