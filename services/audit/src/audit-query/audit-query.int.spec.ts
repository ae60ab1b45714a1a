import { InvalidInput } from '@keelson/domain-kit';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import type { AuditEntryDraft } from '../audit-chain/audit-entry.js';
import { auditLogMigrations } from '../audit-log/audit-log.migrations.js';
import { appendEntry } from '../audit-log/audit-log.writer.js';
import { queryAuditLog, replyBudgetBytes } from './audit-query.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const draft = (seq: number, time: string, data: Record<string, unknown> = {}): AuditEntryDraft => ({
  stream: 'EV_ROLLOUTS',
  seq,
  fleet: 'default',
  subject: `ev.rollout.default.r-${seq}`,
  family: 'rollout',
  type: 'RolloutCreated',
  schemaVersion: 1,
  recognised: true,
  actor: 'operator:admin',
  correlationId: 'c-1',
  time,
  rolloutIds: [`r-${seq}`],
  deviceIds: [],
  artifacts: [],
  data,
});

describe('cmd.audit.query against real PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: Database;
  const q = (input: Partial<Parameters<typeof queryAuditLog>[1]> = {}) =>
    queryAuditLog(db, { fleet: 'default', order: 'oldest', limit: 100, ...input });

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, auditLogMigrations);
    // Recorded out of time order, as projections of two streams that lag each other record them.
    for (const [seq, second] of [
      [1, 10],
      [2, 30],
      [3, 20],
      [4, 20],
      [5, 40],
    ] as const) {
      await db.transaction((sql) => appendEntry(sql, draft(seq, at(second))));
    }
  });

  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('lists oldest first by time, ties in the order they were recorded', async () => {
    expect((await q()).items.map((e) => e.keelsonseq)).toEqual([1, 3, 4, 2, 5]);
  });

  it('takes since as inclusive and until as exclusive', async () => {
    expect((await q({ since: at(20), until: at(40) })).items.map((e) => e.keelsonseq)).toEqual([3, 4, 2]);
  });

  it('pages through ties without losing or repeating an entry', async () => {
    const first = await q({ limit: 2 });
    const second = await q({ limit: 2, cursor: first.nextCursor });
    const third = await q({ limit: 2, cursor: second.nextCursor });
    expect([first, second, third].map((p) => p.items.map((e) => e.keelsonseq))).toEqual([[1, 3], [4, 2], [5]]);
    expect(third.nextCursor).toBeUndefined();
  });

  it('lists newest first on request, paging on towards older entries within the filters', async () => {
    expect((await q({ order: 'newest' })).items.map((e) => e.keelsonseq)).toEqual([5, 2, 4, 3, 1]);
    const first = await q({ order: 'newest', limit: 2, until: at(40) });
    const second = await q({ order: 'newest', limit: 2, until: at(40), cursor: first.nextCursor });
    expect([first, second].map((p) => p.items.map((e) => e.keelsonseq))).toEqual([
      [2, 4],
      [3, 1],
    ]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('narrows to the event types asked for', async () => {
    await db.transaction((sql) => appendEntry(sql, { ...draft(100, at(45)), type: 'WaveApproved' }));
    expect((await q({ types: ['WaveApproved'] })).items.map((e) => e.keelsonseq)).toEqual([100]);
    expect((await q({ types: ['WaveApproved', 'RolloutCreated'], since: at(40) })).items.map((e) => e.keelsonseq)).toEqual([5, 100]);
    expect((await q({ types: ['RolloutAborted'] })).items).toEqual([]);
  });

  it('refuses a cursor it did not hand out', async () => {
    await expect(q({ cursor: '12' })).rejects.toThrow(InvalidInput);
  });

  it('ends a page early rather than outgrow one NATS message', async () => {
    const big = { deviceIds: Array.from({ length: 9000 }, (_, i) => `device-${String(i).padStart(6, '0')}`) }; // ~150 KB each
    for (let seq = 6; seq <= 13; seq++) await db.transaction((sql) => appendEntry(sql, draft(seq, at(50 + seq), big)));
    const pages = [await q({ since: at(50) })];
    while (pages.at(-1)!.nextCursor) pages.push(await q({ since: at(50), cursor: pages.at(-1)!.nextCursor }));
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(replyBudgetBytes + 200_000);
    expect(pages.flatMap((p) => p.items.map((e) => e.keelsonseq))).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
  });
});
