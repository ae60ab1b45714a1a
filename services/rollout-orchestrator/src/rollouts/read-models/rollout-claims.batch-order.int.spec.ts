import type { RecordedEvent } from '@keelson/event-store';
import type { RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { artifact, at, created, fleet, rolloutId, strategy } from '../../test-fixtures/rollout-history.js';
import { RolloutClaims, writeClaims } from '../commands/rollout-claims.js';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';
import { rolloutClaimsProjection } from './rollout-claims.projection.js';

const recorded = (seq: number, event: RolloutEvent): RecordedEvent<RolloutEvent> => ({
  event,
  seq,
  subject: `ev.rollout.${fleet}.${event.data.rolloutId}`,
  time: new Date(at),
  meta: { actor: { kind: 'operator', id: 'ada' }, correlationId: 'c', commandId: `c-${seq}` },
});

// A creation that takes devices over from an older rollout, and the claims projection whose batch
// holds both a release of one of those devices (the older rollout let it go) and the creation's
// `RolloutCreated`, while the creation's transaction is still open: the projection must wait for
// the creation before it locks any claim, or each waits for the other (PostgreSQL's deadlock).
describe('the rollout claims projection against a creation still under way, on real PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, rolloutClaimsMigrations);
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  const lockWaits = async () =>
    (
      await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )
    )[0]!.n;

  it('applies a batch of a release and the creation once the creation commits, neither failing', async () => {
    const older = 'r-00000000001d';
    await db.transaction((sql) => writeClaims(sql, fleet, artifact.name, older, ['d-1', 'd-2'], 5));
    const [createdEvent] = created(strategy([[100, 'auto']]), ['d-1', 'd-2']);
    const batch = [
      recorded(10, { type: 'DeviceExcluded', schemaVersion: 1, data: { fleet, rolloutId: older, deviceId: 'd-1', reason: 'taken over' } }),
      recorded(11, createdEvent!),
    ];
    let projected: Promise<void> | undefined;
    await new RolloutClaims(db).serialised(fleet, artifact.name, async (tx) => {
      await tx.markClaimedAtCreation(rolloutId);
      // the events are appended: the projection's batch starts and waits for this transaction
      projected = db.transaction((sql) => rolloutClaimsProjection.applyBatch!(sql, batch));
      for (let i = 0; i < 100 && (await lockWaits()) === '0'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await lockWaits()).toBe('1');
      await tx.claim(rolloutId, ['d-1', 'd-2'], 11);
    });
    await projected;
    const rows = await db.query<{ device_id: string; rollout_id: string }>(
      'SELECT device_id, rollout_id FROM rollout_claims WHERE fleet = $1 ORDER BY device_id',
      [fleet],
    );
    expect(rows).toEqual([
      { device_id: 'd-1', rollout_id: rolloutId },
      { device_id: 'd-2', rollout_id: rolloutId },
    ]);
  });
});
