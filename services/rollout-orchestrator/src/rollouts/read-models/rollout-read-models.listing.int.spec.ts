import { InvalidInput } from '@keelson/domain-kit';
import type { RecordedEvent } from '@keelson/event-store';
import type { DeviceEvent, RolloutEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { eventually } from '@keelson/testing';
import { created, finished, fleet, halted, outcome, rolloutId, waveStarted } from '../../test-fixtures/rollout-history.js';
import {
  first,
  progress,
  s,
  second,
  startRolloutReadModels,
  two,
  type RolloutReadModels,
} from '../../test-fixtures/rollout-read-models.js';
import { deviceProgressProjection } from './device-progress.projection.js';
import type { RolloutViews } from './rollout-views.js';
import { rolloutViewsProjection } from './rollout-views.projection.js';

// Listing, filtering and paging, and a redelivered event, over the rollouts the first test appends.
describe('rollout read models against real NATS and PostgreSQL', () => {
  let models: RolloutReadModels;
  let db: Database;
  let views: RolloutViews;
  let appendRollout: RolloutReadModels['appendRollout'];
  let appendDevice: RolloutReadModels['appendDevice'];
  const meta = () => models.meta();

  beforeAll(async () => {
    models = await startRolloutReadModels();
    ({ db, views, appendRollout, appendDevice } = models);
  });
  afterAll(() => models?.stop());

  it('lists rollouts newest first, page by page, with recorded outcomes and the latest device reports', async () => {
    await appendRollout('r-aaaaaaaaaaa1', ...created(s, two));
    await appendRollout('r-aaaaaaaaaaa2', ...created(s, two));
    await appendRollout(rolloutId, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), ...waveStarted(1, [second]));
    await appendDevice(second, progress(second, rolloutId, 'downloading'), progress(second, rolloutId, 'verifying'));
    await appendDevice(second, progress(second, rolloutId, 'healthy', `${rolloutId}-${second}-r`)); // a revert's report is not rollout progress

    await eventually(async () => (await views.list(fleet, 10)).items[0]?.devices[1]?.state === 'verifying');
    const page1 = await views.list(fleet, 2);
    expect(page1.items.map((r) => r.rolloutId)).toEqual([rolloutId, 'r-aaaaaaaaaaa2']);
    expect(page1.items[0]).toMatchObject({
      status: 'running',
      currentWave: 1,
      devices: [
        { deviceId: first, state: 'healthy' },
        { deviceId: second, state: 'verifying' },
      ],
    });
    const page2 = await views.list(fleet, 2, page1.nextCursor);
    expect(page2).toEqual({ items: [expect.objectContaining({ rolloutId: 'r-aaaaaaaaaaa1', status: 'running' })] });
    expect((await views.list('plant-8', 10)).items).toEqual([]);
  });

  it('lists only the rollouts in one status, a finished one by its outcome', async () => {
    const [stopped, good, bad] = ['r-status-halt1', 'r-status-good', 'r-status-bad1'];
    await appendRollout(stopped, ...created(s, two), ...waveStarted(0, [first]), halted('too many failures', true));
    await appendRollout(good, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), finished('succeeded'));
    await appendRollout(bad, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'failed'), finished('failed'));
    const ids = async (status: 'halted' | 'succeeded' | 'failed' | 'running') => {
      const { items } = await views.list(fleet, 100, undefined, status);
      expect(items.every((r) => r.status === status)).toBe(true);
      return items.map((r) => r.rolloutId);
    };
    await eventually(async () => (await ids('failed')).includes(bad));
    expect(await ids('halted')).toContain(stopped);
    expect(await ids('succeeded')).toEqual(expect.arrayContaining([good]));
    expect(await ids('succeeded')).not.toContain(bad);
    expect(await ids('running')).not.toEqual(expect.arrayContaining([stopped]));
    expect((await views.list(fleet, 1, undefined, 'halted')).items.map((r) => r.rolloutId)).toEqual([stopped]);
  });

  it('refuses a cursor it never handed out', async () => {
    await expect(views.list(fleet, 2, 'DROP TABLE')).rejects.toBeInstanceOf(InvalidInput);
  });

  it('ignores an event it applied already, or an older one, when redelivered', async () => {
    const row = async () =>
      (
        await db.query<{ state: string; last_seq: string }>(
          'SELECT state, last_seq FROM rollout_device_progress WHERE rollout_id = $1 AND device_id = $2',
          [rolloutId, second],
        )
      )[0];
    const before = await row();
    const stale: RecordedEvent<DeviceEvent> = {
      event: progress(second, rolloutId, 'downloading'),
      seq: Number(before!.last_seq) - 1,
      subject: 'x',
      time: new Date(),
      meta: meta(),
    };
    await db.transaction((sql) => deviceProgressProjection.apply(sql, stale));
    expect(await row()).toEqual(before);

    const rolloutRow = async () =>
      (await db.query<{ status: string; last_seq: string }>('SELECT * FROM rollout_views WHERE rollout_id = $1', [rolloutId]))[0];
    const doc = await rolloutRow();
    const replayed: RecordedEvent<RolloutEvent> = {
      event: halted('applied before', false),
      seq: Number(doc!.last_seq),
      subject: 'x',
      time: new Date(),
      meta: meta(),
    };
    await db.transaction((sql) => rolloutViewsProjection.apply(sql, replayed));
    expect(await rolloutRow()).toEqual(doc);
  });
});
