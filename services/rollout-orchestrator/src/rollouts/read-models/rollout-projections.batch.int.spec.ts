import type { Projection, RecordedEvent } from '@keelson/event-store';
import type { RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database, type Sql } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { seeded } from '../../test-fixtures/random-rollout-commands.js';
import { projectionRowsOf, twoRolloutHistory } from '../../test-fixtures/rollout-projection-rows.js';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';
import { rolloutClaimsProjection } from './rollout-claims.projection.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutsProjection } from './rollouts.projection.js';
import { rolloutViewsProjection } from './rollout-views.projection.js';

const projections = [rolloutsProjection, rolloutViewsProjection, rolloutClaimsProjection] as Projection<RolloutEvent>[];
const meta = { actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'c', commandId: 'c' };

describe('the rollout projections one batch at a time against one event at a time, on real PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, [...rolloutsMigrations, ...rolloutClaimsMigrations]);
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  const recorded = (events: RolloutEvent[], fleet: string): RecordedEvent<RolloutEvent>[] =>
    events.map((e, i) => ({
      event: { ...e, data: { ...e.data, fleet } } as RolloutEvent,
      seq: i + 1,
      subject: 'x',
      time: new Date(),
      meta,
    }));

  it('leaves every table as applying the events one by one does, over random histories and random batch sizes', async () => {
    let outcomes = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const events = twoRolloutHistory(seed);
      outcomes += events.filter((e) => e.type === 'DeviceOutcomeRecorded').length;
      const single = `single-${seed}`;
      for (const e of recorded(events, single)) for (const p of projections) await db.transaction((sql) => p.apply(sql, e));

      const batched = `batched-${seed}`;
      const random = seeded(seed * 7919);
      const all = recorded(events, batched);
      for (let i = 0; i < all.length;) {
        const batch = all.slice(i, (i += 1 + Math.floor(random() * 40)));
        for (const p of projections) await db.transaction((sql) => p.applyBatch!(sql, batch));
      }
      const [one, many] = [await projectionRowsOf(db, single), await projectionRowsOf(db, batched)];
      expect(many).toEqual(one);
    }
    expect(outcomes).toBeGreaterThan(40); // the histories reach outcomes, repeated ones among them
  }, 120_000);

  it('writes the outcomes of a batch in one statement, and keeps the first outcome of a device', async () => {
    const fleet = 'one-statement';
    const [created, ...rest] = recorded(twoRolloutHistory(3), fleet);
    const outcomes = rest.filter((r) => r.event.type === 'DeviceOutcomeRecorded');
    await db.transaction((sql) => rolloutsProjection.applyBatch!(sql, [created!]));
    const statements: string[] = [];
    await db.transaction(async (sql) => {
      const counted: Sql = {
        query: (text, params) => {
          statements.push(text);
          return sql.query(text, params);
        },
      };
      await rolloutsProjection.applyBatch!(counted, outcomes);
    });
    expect(statements).toHaveLength(1);
    const first = new Map<string, string>();
    for (const { event: e } of outcomes) {
      const key = `${e.data.rolloutId}/${e.type === 'DeviceOutcomeRecorded' ? e.data.deviceId : ''}`;
      if (e.type === 'DeviceOutcomeRecorded' && !first.has(key)) first.set(key, e.data.state);
    }
    expect(first.size).toBeLessThan(outcomes.length); // some devices have two outcomes in the batch
    const rows = await db.query<{ rollout_id: string; device_id: string; state: string }>(
      'SELECT rollout_id, device_id, state FROM rollout_device_outcomes WHERE fleet = $1',
      [fleet],
    );
    expect(new Map(rows.map((r) => [`${r.rollout_id}/${r.device_id}`, r.state]))).toEqual(first);
  });
});
