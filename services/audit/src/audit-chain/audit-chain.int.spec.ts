import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { auditLogMigrations } from '../audit-log/audit-log.migrations.js';
import { appendEntry } from '../audit-log/audit-log.writer.js';
import type { AuditEntryDraft } from './audit-entry.js';
import { register } from 'prom-client';
import { chainVerificationWorker } from './chain-verification.js';
import { verifyChain } from './verify-chain.js';

const draft = (stream: string, seq: number): AuditEntryDraft => ({
  stream,
  seq,
  fleet: 'default',
  subject: `ev.rollout.default.r-${seq}`,
  family: 'rollout',
  type: 'RolloutHalted',
  schemaVersion: 1,
  recognised: true,
  actor: 'operator:admin',
  correlationId: 'c-1',
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq, 123)).toISOString(),
  rolloutIds: [`r-${seq}`],
  deviceIds: [],
  artifacts: [],
  data: { rolloutId: `r-${seq}`, reason: 'operator asked', score: 0.5 },
});

describe('the audit log table against real PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, auditLogMigrations);
  });

  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('chains appends from concurrent transactions into one total order, and stores an event once', async () => {
    await Promise.all(
      ['EV_A', 'EV_B', 'EV_C', 'EV_D'].map(async (stream) => {
        for (let seq = 1; seq <= 5; seq++) await db.transaction((sql) => appendEntry(sql, draft(stream, seq)));
      }),
    );
    expect(await db.transaction((sql) => appendEntry(sql, draft('EV_A', 3)))).toBeNull();
    const verdict = await verifyChain(db);
    expect(verdict).toMatchObject({ intact: true, entries: 20 });
    const [head] = await db.query<{ position: string; hash: string }>('SELECT position, hash FROM audit_chain_head');
    expect({ position: Number(head!.position), hash: head!.hash }).toEqual({ position: 20, hash: verdict.headHash });
  });

  it('refuses UPDATE, DELETE and TRUNCATE, whoever asks', async () => {
    await expect(db.query(`UPDATE audit_log SET actor = 'operator:mallory' WHERE position = 3`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log WHERE position = 3')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect(await db.query('SELECT count(*)::int AS n FROM audit_log')).toEqual([{ n: 20 }]);
  });

  describe('when someone with database access disables the triggers and rewrites history', () => {
    const tamper = (statement: string) =>
      db.transaction(async (sql) => {
        await sql.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
        await sql.query(statement);
        await sql.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
      });

    it('verification names the first edited entry', async () => {
      await tamper(`UPDATE audit_log SET data = replace(data, 'operator asked', 'automatic') WHERE position = 7`);
      const verdict = await verifyChain(db);
      expect(verdict).toMatchObject({ intact: false, entries: 6, firstBroken: { position: 7, problem: 'hash' } });
    });

    it("and so does the service's own verification round, unasked, for the alert", async () => {
      const intact = async () => (await register.getSingleMetric('keelson_audit_chain_intact')?.get())?.values[0]?.value;
      const worker = chainVerificationWorker(db, 3600);
      await worker.start(); // the first round runs at once, the next in an hour
      try {
        for (let i = 0; i < 100 && (await intact()) !== 0; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await intact()).toBe(0);
      } finally {
        await worker.stop();
      }
    });

    it('and a removed entry', async () => {
      await tamper('DELETE FROM audit_log WHERE position <= 7');
      await tamper('DELETE FROM audit_log WHERE position = 10');
      // entries 1-7 are gone: the walk starts at 8, which does not follow the genesis
      expect((await verifyChain(db)).firstBroken).toMatchObject({ position: 1, problem: 'position' });
    });
  });
});
