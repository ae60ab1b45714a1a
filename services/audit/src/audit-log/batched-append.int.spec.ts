import { eventStreams, productionNaming, type RecordedEvent } from '@keelson/event-store';
import type { KeelsonEvent } from '@keelson/events';
import { migrate, openDatabase, type Database, type Sql } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { verifyChain } from '../audit-chain/verify-chain.js';
import * as ev from '../test-fixtures/sample-events.js';
import { parseAuditedEvent, type AuditedEvent } from './audited-event.js';
import { auditLogMigrations } from './audit-log.migrations.js';
import { auditLogProjection } from './audit-log.projection.js';
import { entryColumns } from './audit-log.rows.js';
import type { ChainedEntry } from './audit-log.writer.js';

type StreamKey = keyof typeof eventStreams;
const admin = { kind: 'operator', id: 'admin' } as const;

const recorded = (seq: number, subject: string, event: KeelsonEvent | Record<string, unknown>): RecordedEvent<AuditedEvent> => ({
  event: parseAuditedEvent(event),
  seq,
  subject,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq, 7 * seq)),
  meta: { actor: admin, correlationId: `corr-${seq}`, commandId: `cmd-${seq}` },
});

const artifacts = [
  recorded(1, 'ev.artifact.default.a-x', ev.artifactReceived('default', 'a-x', 'x')),
  recorded(2, 'ev.artifact.default.a-x', ev.artifactRejected('default', 'a-x')), // its name only in the same batch
  recorded(3, 'ev.artifact.default.a-y', ev.artifactReceived('default', 'a-y', 'y')),
  recorded(4, 'ev.artifact.default.a-y', ev.artifactRejected('default', 'a-y')), // its name in the log, from an earlier batch
  recorded(5, 'ev.artifact.default.a-z', ev.artifactPublished('default', 'a-z', 'z')),
];
const devices = [
  recorded(1, 'ev.device.default.d-1', ev.deviceEnrolled('default', 'd-1')),
  recorded(2, 'ev.device.default.d-1', ev.deviceReported('default', 'd-1', 'r-1', 'downloading')),
  recorded(3, 'ev.device.default.d-1', ev.deviceReported('default', 'd-1', 'r-1', 'healthy')),
  recorded(4, 'ev.group.default.g-1', { type: 'GroupRenamedLater', schemaVersion: 3, data: { fleet: 'default', apiToken: 'secret' } }),
  recorded(5, 'ev.enrollment.default.et-1', ev.tokenIssued('default', 'et-1')),
  recorded(6, 'ev.device.default.d-2', ev.deviceEnrolled('default', 'd-2')),
];
const signing = [recorded(1, 'ev.tuf.default.repository', ev.targetsSigned('default', 'model/x/1.0.0/model.onnx'))];

// Batches as the projections of three streams hand them over, redeliveries and repeats included.
const batches: [StreamKey, RecordedEvent<AuditedEvent>[]][] = [
  ['registry', artifacts.slice(0, 3)],
  ['gateway', devices.slice(0, 5)],
  ['registry', [artifacts[2]!, artifacts[3]!, artifacts[4]!]],
  ['signer', signing],
  ['gateway', [devices[4]!, devices[5]!, devices[5]!]],
  ['registry', artifacts.slice(0, 2)],
];

const firstData =
  '{"artifactId":"a-x","fleet":"default","kind":"model","length":1234,"manifest":{"framework":"onnx","hardware":{},"inputs":[{"dtype":"float32","name":"images","shape":[-1,3,640,640]}],"kind":"model","metrics":{"map":0.373}},"name":"x","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","targetPath":"model/x/1.0.0/model.onnx","version":"1.0.0"}';

describe('appending the audit log a batch at a time', () => {
  const dbs: { tdb: TestDatabase; db: Database; appended: ChainedEntry[] }[] = [];
  const projectionOf = (key: StreamKey, appended: ChainedEntry[]) =>
    auditLogProjection(key, eventStreams[key], productionNaming, (entry) => appended.push(entry));
  const rowsOf = (db: Database) => db.query(`SELECT ${entryColumns} FROM audit_log ORDER BY position`);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const tdb = await createTestDatabase();
      const db = await openDatabase({ url: tdb.url });
      await migrate(db, auditLogMigrations);
      dbs.push({ tdb, db, appended: [] });
    }
    const [oneByOne, batched] = dbs;
    for (const [key, events] of batches) {
      await oneByOne!.db.transaction(async (sql) => {
        for (const e of events) await projectionOf(key, oneByOne!.appended).apply(sql, e);
      });
      await batched!.db.transaction((sql) => projectionOf(key, batched!.appended).applyBatch!(sql, events));
    }
  });

  afterAll(async () => {
    for (const { db, tdb } of dbs) {
      await db.close();
      await tdb.drop();
    }
  });

  it('writes the same rows, hashes and head as appending entry by entry', async () => {
    const [oneByOne, batched] = dbs;
    const rows = await rowsOf(batched!.db);
    expect(rows).toHaveLength(12);
    expect(rows).toEqual(await rowsOf(oneByOne!.db));
    expect(batched!.appended).toEqual(oneByOne!.appended);
    const head = (db: Database) => db.query('SELECT position, hash FROM audit_chain_head');
    expect(await head(batched!.db)).toEqual(await head(oneByOne!.db));
  });

  // Computed by the code that serialised each entry's data twice (once hashed, once stored): serialising
  // it once must leave every stored byte and hash as it was.
  it('stores the data text and hashes that this chain has always had', async () => {
    const [oneByOne, batched] = dbs;
    for (const { db } of [oneByOne!, batched!]) {
      const [first] = await db.query<{ data: string; hash: string }>('SELECT data, hash FROM audit_log ORDER BY position LIMIT 1');
      expect(first).toEqual({ data: firstData, hash: '7ab9bfd5731b39f2d6b7124275237cb26828299cdc52f27b9ef754ce5e0386ad' });
      expect(await db.query('SELECT position, hash FROM audit_chain_head')).toEqual([
        { position: '12', hash: '13b2a36558aa4c34496cd064f49ab162b3892254e3a27e9206b620778bfdcd3f' },
      ]);
    }
  });

  it('leaves a chain that verifies, each event once', async () => {
    const [, batched] = dbs;
    expect(await verifyChain(batched!.db)).toMatchObject({ intact: true, entries: 12 });
    const keys = await batched!.db.query<{ n: number }>('SELECT count(DISTINCT (stream, seq))::int AS n FROM audit_log');
    expect(keys).toEqual([{ n: 12 }]);
  });

  it('names the artifact of a rejection from the same batch or from the log', async () => {
    const [, batched] = dbs;
    const rejected = batched!.appended.filter((e) => e.type === 'ArtifactRejected').map((e) => e.artifacts);
    expect(rejected).toEqual([['x'], ['y']]);
  });

  it('writes a batch in four statements, however many events it holds', async () => {
    const [, batched] = dbs;
    const events = Array.from({ length: 60 }, (_, i) =>
      recorded(100 + i, `ev.device.default.d-${i}`, ev.deviceEnrolled('default', `d-${i}`)),
    );
    let statements = 0;
    await batched!.db.transaction((sql) => {
      const counting: Sql = { query: (text, params) => (statements++, sql.query(text, params)) };
      return projectionOf('gateway', []).applyBatch!(counting, events);
    });
    expect(statements).toBe(4); // lock the head, find events already logged, insert, move the head
    expect(await verifyChain(batched!.db)).toMatchObject({ intact: true, entries: 72 });
  });
});
