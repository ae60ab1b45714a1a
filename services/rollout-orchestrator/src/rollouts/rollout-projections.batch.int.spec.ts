import { DomainError } from '@keelson/domain-kit';
import type { Projection, RecordedEvent } from '@keelson/event-store';
import type { RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database, type Sql } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { RandomRolloutCommands, seeded } from '../test-fixtures/random-rollout-commands.js';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';
import { rolloutClaimsProjection } from './rollout-claims.projection.js';
import { assignedDevices, rolloutDecider } from './rollout.decider.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutsProjection } from './rollouts.projection.js';

const projections = [rolloutsProjection, rolloutClaimsProjection] as Projection<RolloutEvent>[];
const tables = ['rollout_summaries', 'rollout_targets', 'rollout_device_outcomes', 'rollout_claims', 'rollout_claim_artifacts'];
const meta = { actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'c', commandId: 'c' };

/** A random history of two rollouts of one artifact (the second takes devices over), with repeated outcomes. */
function history(seed: number): RolloutEvent[] {
  const random = seeded(seed);
  const events: RolloutEvent[] = [];
  for (const rolloutId of [`r-seed${seed}-a`, `r-seed${seed}-b`]) {
    const commands = new RandomRolloutCommands(random, 12);
    let state = rolloutDecider.initialState();
    for (let i = 0; i <= 120; i++) {
      const command = i === 0 ? commands.create(commands.strategy()) : commands.next(state.status === 'absent' ? [] : assignedDevices(state.facts));
      let decided: RolloutEvent[] = [];
      try {
        decided = rolloutDecider.decide(command, state);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
      }
      state = decided.reduce(rolloutDecider.evolve, state);
      events.push(...decided.map((e) => ({ ...e, data: { ...e.data, rolloutId } }) as RolloutEvent));
    }
  }
  // A second outcome of a device (never decided, but a projection must keep the first either way).
  const outcomes = events.filter((e) => e.type === 'DeviceOutcomeRecorded');
  for (const e of outcomes.filter((_, i) => i % 3 === 0)) {
    const at = events.indexOf(e) + 1 + Math.floor(random() * 4);
    events.splice(at, 0, { ...e, data: { ...e.data, state: e.data.state === 'healthy' ? 'failed' : 'healthy', reason: 'repeated' } });
  }
  return events;
}

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
    events.map((e, i) => ({ event: { ...e, data: { ...e.data, fleet } } as RolloutEvent, seq: i + 1, subject: 'x', time: new Date(), meta }));

  /** Every row of the fleet, without the fleet, in a fixed order. */
  async function rowsOf(fleet: string): Promise<Record<string, unknown[]>> {
    const rows: Record<string, unknown[]> = {};
    for (const table of tables) {
      const found = await db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE fleet = $1`, [fleet]);
      rows[table] = found.map(({ fleet: _, ...rest }) => JSON.stringify(rest).replaceAll(`"${fleet}"`, "\"<fleet>\"")).sort(); // the summary names its fleet
    }
    return rows;
  }

  it('leaves every table as applying the events one by one does, over random histories and random batch sizes', async () => {
    let outcomes = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const events = history(seed);
      outcomes += events.filter((e) => e.type === 'DeviceOutcomeRecorded').length;
      const single = `single-${seed}`;
      for (const e of recorded(events, single)) for (const p of projections) await db.transaction((sql) => p.apply(sql, e));

      const batched = `batched-${seed}`;
      const random = seeded(seed * 7919);
      const all = recorded(events, batched);
      for (let i = 0; i < all.length; ) {
        const batch = all.slice(i, (i += 1 + Math.floor(random() * 40)));
        for (const p of projections) await db.transaction((sql) => p.applyBatch!(sql, batch));
      }
      const [one, many] = [await rowsOf(single), await rowsOf(batched)];
      expect(many).toEqual(one);
    }
    expect(outcomes).toBeGreaterThan(40); // the histories reach outcomes, repeated ones among them
  }, 120_000);

  it('writes the outcomes of a batch in one statement, and keeps the first outcome of a device', async () => {
    const fleet = 'one-statement';
    const [created, ...rest] = recorded(history(3), fleet);
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
    const rows = await db.query<{ rollout_id: string; device_id: string; state: string }>('SELECT rollout_id, device_id, state FROM rollout_device_outcomes WHERE fleet = $1', [fleet]);
    expect(new Map(rows.map((r) => [`${r.rollout_id}/${r.device_id}`, r.state]))).toEqual(first);
  });
});
