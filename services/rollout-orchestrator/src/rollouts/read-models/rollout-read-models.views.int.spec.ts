import { DomainError } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { parseRolloutEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { eventually } from '@keelson/testing';
import { isDeepStrictEqual as isEqual } from 'node:util';
import { aborted, created, createdV1, fleet, outcome, rolloutId, waveStarted, waveStartedV1 } from '../../test-fixtures/rollout-history.js';
import { RandomRolloutCommands, seeded } from '../../test-fixtures/random-rollout-commands.js';
import {
  first,
  progress,
  s,
  second,
  startRolloutReadModels,
  two,
  type RolloutReadModels,
} from '../../test-fixtures/rollout-read-models.js';
import { assignedDevices, rolloutDecider } from '../domain/rollout.decider.js';
import { orderDevices } from '../domain/wave-plan.js';
import type { RolloutViews } from './rollout-views.js';

// What one rollout's view shows: reverts, old event versions, summary size, and the aggregate's own view over random histories.
describe('rollout read models against real NATS and PostgreSQL', () => {
  let models: RolloutReadModels;
  let db: Database;
  let views: RolloutViews;
  let appendRollout: RolloutReadModels['appendRollout'];
  let appendDevice: RolloutReadModels['appendDevice'];

  beforeAll(async () => {
    models = await startRolloutReadModels();
    ({ db, views, appendRollout, appendDevice } = models);
  });
  afterAll(() => models?.stop());

  it('reports a revert like an update: the view shows what the device said about its revert assignment', async () => {
    const id = 'r-aaaaaaaaaaa3';
    await appendRollout(
      id,
      ...created(s, two),
      ...waveStarted(0, [first]),
      outcome(first, 'healthy'),
      ...waveStarted(1, [second]),
      aborted('revert'),
    );
    await appendDevice(first, progress(first, id, 'applying', `${id}-${first}-r`));
    await eventually(async () => (await views.get(fleet, id)).devices[0]?.revert?.state === 'applying');
    expect((await views.get(fleet, id)).devices.map((d) => d.revert)).toEqual([{ state: 'applying' }, { state: 'assigned' }]);
    await eventually(
      async () => (await views.list(fleet, 10)).items.find((r) => r.rolloutId === id)?.devices[0]?.revert?.state === 'applying',
    );
  });

  it('shows a rollout stored as version-1 events (ids inline) as it shows the same rollout in chunks', async () => {
    const [v1, chunked] = ['r-aaaaaaaaaaa4', 'r-aaaaaaaaaaa5'];
    const oldShape = [createdV1(s, two), waveStartedV1(0, [first]), outcome(first, 'healthy'), waveStartedV1(1, [second])].map(
      parseRolloutEvent,
    );
    await appendRollout(v1, ...oldShape);
    await appendRollout(chunked, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), ...waveStarted(1, [second]));
    const listed = async () => (await views.list(fleet, 10)).items.filter((r) => r.rolloutId === v1 || r.rolloutId === chunked);
    await eventually(async () => (await listed()).every((r) => r.currentWave === 1) && (await listed()).length === 2);
    const [a, b] = (await listed()).map(({ rolloutId: _, ...view }) => view);
    expect(a).toEqual(b);
    expect(await views.activeRolloutsOf(fleet, second)).toEqual(expect.arrayContaining([v1, chunked]));
  });

  it("writes a rollout's view row at the same size for 3000 devices as for 1000, and one row per device", async () => {
    const devices = (n: number) => Array.from({ length: n }, (_, i) => `device-${String(i).padStart(5, '0')}-${'x'.repeat(40)}`);
    const summaryBytes = async (id: string) =>
      (
        await db.query<{ bytes: number }>(
          `SELECT octet_length((to_jsonb(v) - 'created_seq' - 'last_seq')::text) AS bytes FROM rollout_views v WHERE rollout_id = $1`,
          [id],
        )
      )[0]?.bytes;
    const assigned = async (id: string) =>
      (await db.query('SELECT 1 FROM rollout_view_devices WHERE rollout_id = $1 AND assigned_at IS NOT NULL', [id])).length;
    for (const [id, n] of [
      ['r-aaaaaaaaaaa6', 3000],
      ['r-aaaaaaaaaaa7', 1000],
    ] as const) {
      await appendRollout(id, ...created(s, devices(n)), ...waveStarted(0, orderDevices(rolloutId, devices(n)).slice(0, n / 2)));
      await eventually(async () => (await assigned(id)) === n / 2);
      expect((await db.query('SELECT 1 FROM rollout_view_devices WHERE rollout_id = $1', [id])).length).toBe(n);
    }
    expect(await summaryBytes('r-aaaaaaaaaaa6')).toBe(await summaryBytes('r-aaaaaaaaaaa7'));
  });

  it('shows what the aggregate shows, over random histories (exclusions, timeouts, reachability, resumes, aborts)', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const id = `r-random-${seed}`;
      const random = seeded(seed);
      const commands = new RandomRolloutCommands(random, 12);
      let state = rolloutDecider.initialState();
      for (const command of [commands.create(commands.strategy()), ...Array.from({ length: 60 }, () => undefined)]) {
        const next = command ?? commands.next(state.status === 'absent' ? [] : assignedDevices(state.facts));
        let events: RolloutEvent[] = [];
        try {
          events = rolloutDecider.decide(next, state);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
        }
        if (events.length > 0) await appendRollout(id, ...events);
        state = events.reduce(rolloutDecider.evolve, state);
      }
      const fromStream = await views.get(fleet, id);
      await eventually(async () =>
        isEqual(
          (await views.list(fleet, 50)).items.find((r) => r.rolloutId === id),
          fromStream,
        ),
      );
      expect((await views.list(fleet, 50)).items.find((r) => r.rolloutId === id)).toEqual(fromStream);
    }
  });
});
