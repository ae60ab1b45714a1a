import type { Projection, RecordedEvent } from '@keelson/event-store';
import type { RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database, type Sql } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { seeded } from '../../test-fixtures/random-rollout-commands.js';
import { projectionRowsOf, twoRolloutHistory } from '../../test-fixtures/rollout-projection-rows.js';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';
import { rolloutDecider } from '../domain/rollout.decider.js';
import { rolloutClaimsProjection } from './rollout-claims.projection.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutViewsProjection } from './rollout-views.projection.js';

const projections = [rolloutViewsProjection, rolloutClaimsProjection] as Projection<RolloutEvent>[];
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

  it("writes a batch in six statements whatever it holds, and each device's outcome as the aggregate records it", async () => {
    const fleet = 'six-statements';
    const events = recorded(twoRolloutHistory(3), fleet);
    await db.transaction((sql) => rolloutViewsProjection.applyBatch!(sql, events.slice(0, 1)));
    const statements: string[] = [];
    await db.transaction(async (sql) => {
      const counted: Sql = {
        query: (text, params) => {
          statements.push(text);
          return sql.query(text, params);
        },
      };
      await rolloutViewsProjection.applyBatch!(counted, events.slice(1));
    });
    expect(statements).toHaveLength(6); // the rollouts, their waves, the devices named; then a write per table
    const rows = await db.query<{ rollout_id: string; device_id: string; outcome: string | null; outcome_reason: string | null }>(
      'SELECT rollout_id, device_id, outcome, outcome_reason FROM rollout_view_devices WHERE fleet = $1',
      [fleet],
    );
    const expected = new Map<string, unknown>();
    for (const id of new Set(events.map((e) => e.event.data.rolloutId))) {
      const state = events
        .filter((e) => e.event.data.rolloutId === id)
        .reduce((s, e) => rolloutDecider.evolve(s, e.event), rolloutDecider.initialState());
      if (state.status === 'absent') continue;
      for (const d of state.facts.deviceIds) expected.set(`${id}/${d}`, state.facts.devices.record(d).outcome ?? null);
    }
    const outcomes = new Map(
      rows.map((r) => [
        `${r.rollout_id}/${r.device_id}`,
        r.outcome === null ? null : { state: r.outcome, ...(r.outcome_reason === null ? {} : { reason: r.outcome_reason }) },
      ]),
    );
    expect(outcomes).toEqual(expected);
    expect([...outcomes.values()].filter((o) => (o as { reason?: string } | null)?.reason === 'repeated').length).toBeGreaterThan(0); // a second outcome replaced the first, as in the aggregate
  });
});
