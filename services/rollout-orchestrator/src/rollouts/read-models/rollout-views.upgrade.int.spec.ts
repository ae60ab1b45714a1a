import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, ProjectionRunner } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import { isDeepStrictEqual as isEqual } from 'node:util';
import { aborted, created, fleet, halted, outcome, waveStarted } from '../../test-fixtures/rollout-history.js';
import { first, s, second, two } from '../../test-fixtures/rollout-read-models.js';
import { Rollouts } from '../rollouts.js';
import { RolloutViews } from './rollout-views.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutViewsProjection } from './rollout-views.projection.js';

const meta = (n: number) => ({ actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'c', commandId: `upgrade-${n}` });
const tableExists = async (db: Database, table: string) =>
  (await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]))[0]?.found !== null;

// An installation of the release before the view rows: its events and its read model (the summaries).
// The upgrade's migrations drop the summaries; the views projection rebuilds the rows from the stream's start.
describe('an installation upgraded to the rollout view rows', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let runner: ProjectionRunner<RolloutEvent> | undefined;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator]);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await runner?.stop();
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  });

  it('shows every rollout written before the upgrade, as the aggregate shows it, and drops the summaries', async () => {
    const before = rolloutsMigrations.filter((m) => m.id < 'rollout-orchestrator-0008');
    await migrate(db, before);
    const store = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
    const histories: Record<string, RolloutEvent[]> = {
      'r-upgrade-run1': [...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), ...waveStarted(1, [second])],
      'r-upgrade-halt': [...created(s, two), ...waveStarted(0, [first]), outcome(first, 'failed'), halted('too many failures', true)],
      'r-upgrade-back': [...created(s, two), ...waveStarted(0, [first]), aborted('revert')],
    };
    let n = 0;
    for (const [id, events] of Object.entries(histories)) {
      const subject = store.subject('rollout', fleet, id);
      const withId = events.map((e) => ({ ...e, data: { ...e.data, rolloutId: id } }) as RolloutEvent);
      const last = (await store.append(subject, 0, withId, meta(++n)))!.lastSeq;
      // what the release before wrote of it: a summary (the rollout's facts as jsonb)
      await db.query(
        `INSERT INTO rollout_summaries (fleet, rollout_id, summary, status, created_seq, last_seq) VALUES ($1, $2, '{}', 'running', $3, $3)`,
        [fleet, id, last],
      );
    }

    expect(await migrate(db, rolloutsMigrations)).toEqual([
      'rollout-orchestrator-0008-rollout-views',
      'rollout-orchestrator-0009-drop-rollout-summaries',
    ]);
    expect(await tableExists(db, 'rollout_summaries')).toBe(false);
    expect(await tableExists(db, 'rollout_targets')).toBe(false);
    runner = new ProjectionRunner({ nc, naming, db, projection: rolloutViewsProjection, retryDelayMs: 50 });
    await runner.start();

    const views = new RolloutViews(new Rollouts(store), db);
    const fromStreams = await Promise.all(Object.keys(histories).map((id) => views.get(fleet, id)));
    await eventually(async () => isEqual((await views.list(fleet, 10)).items, fromStreams.reverse()));
    expect((await views.list(fleet, 10)).items.map((v) => [v.rolloutId, v.status])).toEqual([
      ['r-upgrade-back', 'aborted'],
      ['r-upgrade-halt', 'halted'],
      ['r-upgrade-run1', 'running'],
    ]);
  });
});
