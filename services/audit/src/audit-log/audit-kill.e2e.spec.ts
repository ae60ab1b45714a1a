import type { RunningService } from '@keelson/local-infra';
import { eventually } from '@keelson/testing';
import { verifyChain } from '../audit-chain/verify-chain.js';
import { auditHarness, type AuditHarness } from '../test-fixtures/audit-app.js';
import * as ev from '../test-fixtures/sample-events.js';

const device = (id: string) => ({ kind: 'device', id }) as const;

// Issue 11: a batch of entries is one transaction with the chain head and the checkpoint, so an
// audit SIGKILLed in the middle of one leaves none of it, and the restarted audit writes each event once.
// Runs the audit from dist/: build first.
describe('the audit SIGKILLed in the middle of a batch', () => {
  let h: AuditHarness;
  let audit: RunningService | undefined;
  const entries = async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]!.n;

  beforeAll(async () => {
    h = await auditHarness();
  });

  afterAll(async () => {
    await audit?.stop();
    await h?.close();
  });

  /** Appends `devices` x 5 events to EV_DEVICES, five to a subject. */
  async function appendDeviceEvents(devices: number): Promise<void> {
    for (let i = 0; i < devices; i++) {
      const id = `d-${i}`;
      await h.append(
        'gateway',
        h.stores.gateway.subject('device', 'default', id),
        [
          ev.deviceEnrolled('default', id),
          ...(['downloading', 'healthy', 'downloading', 'healthy'] as const).map((state) => ev.deviceReported('default', id, 'r-1', state)),
        ],
        device(id),
      );
    }
  }

  /** The audit's connection paused right after inserting the batch's entries (the spec's trigger waits on its lock): mid-batch. */
  const blockedMidBatch = async () => {
    const [row] = await h.db.query<{ pid: number; wrote_log: boolean }>(
      `SELECT a.pid,
         EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.relation = 'audit_log'::regclass AND l.mode = 'RowExclusiveLock') AS wrote_log
       FROM pg_stat_activity a
       WHERE a.datname = current_database() AND a.wait_event = 'advisory' AND a.query LIKE 'INSERT INTO audit_log%'`,
    );
    return row;
  };
  // The batch's transaction starts with the runner's fence claim on its checkpoint row (the lease's
  // token), so a lock on that row would stop it before anything is written. The pause comes after
  // the entries' insert instead: a statement trigger waits for the spec's advisory lock.
  const pauseAfterInsert = 7_100_001;
  const installPause = async () => {
    await h.db.query(`CREATE OR REPLACE FUNCTION audit_kill_spec_pause() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(${pauseAfterInsert}); RETURN NULL; END $$`);
    await h.db.query(
      'CREATE TRIGGER audit_kill_spec_pause AFTER INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_kill_spec_pause()',
    );
  };

  it('leaves none of the batch written, and the restarted audit writes every event once on an intact chain', async () => {
    // A first event, so the projection's checkpoint row exists to be locked.
    await h.append(
      'gateway',
      h.stores.gateway.subject('device', 'default', 'd-first'),
      [ev.deviceEnrolled('default', 'd-first')],
      device('d-first'),
    );
    audit = await h.launch();
    await eventually(async () => (await entries()) === 1);
    await audit.stop();

    // Hold the pause: the audit's next batch stops just after inserting its entries.
    await installPause();
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = h.db.transaction(async (sql) => {
      await sql.query('SELECT pg_advisory_xact_lock($1)', [pauseAfterInsert]);
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;
    await appendDeviceEvents(50); // 250 events: the restarted audit fetches a full batch of 100
    audit = await h.launch();
    let blocked: Awaited<ReturnType<typeof blockedMidBatch>>;
    await eventually(async () => Boolean((blocked = await blockedMidBatch())), 30_000);
    await audit.kill();
    release();
    await holding;
    // PostgreSQL rolls the dead client's transaction back once its backend sees the connection gone.
    await eventually(async () => (await h.db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [blocked!.pid])).length === 0);
    expect(await entries()).toBe(1);
    expect(await verifyChain(h.db)).toMatchObject({ intact: true, entries: 1 });
    expect(blocked).toMatchObject({ wrote_log: true }); // though it had written them when killed
    await h.db.query('DROP TRIGGER audit_kill_spec_pause ON audit_log');

    audit = await h.launch();
    await eventually(async () => (await entries()) === 251, 30_000);
    await audit.stop();
    expect(await verifyChain(h.db)).toMatchObject({ intact: true, entries: 251 });
    const seqs = await h.db.query<{ seq: string }>('SELECT seq FROM audit_log ORDER BY position');
    expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: 251 }, (_, i) => i + 1));
  }, 120_000);
});
