import type { EventStore, RecordedEvent } from '@keelson/event-store';
import { NotFound } from '@keelson/domain-kit';
import type { ExperimentEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { Experiments } from '../experiments.js';
import { experimentsMigrations } from './experiments.migrations.js';
import { experimentsProjection } from './experiments.projection.js';

const fleet = 'plant-7';
const at = '2026-12-07T10:00:00.000Z';
const created = (experimentId: string, groupId: string): ExperimentEvent => ({
  type: 'ExperimentCreated',
  schemaVersion: 1,
  data: {
    fleet,
    experimentId,
    artifactName: 'yolo-v8n',
    candidate: '2.2.0',
    baseline: '2.1.0',
    groupId,
    split: 20,
    plan: { primary: 'confidence_mean:higher', guardrails: [], alpha: 0.05, minSamples: 100, maxDurationSeconds: 60 },
    probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 },
    strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
    onSuccess: {},
    createdAt: at,
  },
});
const decided = (experimentId: string, outcome: 'promote' | 'inconclusive'): ExperimentEvent => ({
  type: 'ExperimentDecided',
  schemaVersion: 1,
  data: { fleet, experimentId, outcome, decidedBy: 'operator', reason: 'spec', decidedAt: at },
});
const settled = (experimentId: string): ExperimentEvent => ({
  type: 'ExperimentSettled',
  schemaVersion: 1,
  data: { fleet, experimentId, settledAt: at },
});

const history = [
  created('x-1', 'g-a'),
  created('x-2', 'g-b'),
  created('x-3', 'g-a'),
  decided('x-1', 'promote'),
  decided('x-2', 'inconclusive'),
  decided('x-3', 'promote'),
  settled('x-3'),
];
const recorded: RecordedEvent<ExperimentEvent>[] = history.map((event, i) => ({
  event,
  seq: i + 1,
  subject: `ev.experiment.${fleet}.${event.data.experimentId}`,
  time: new Date(),
  meta: { actor: { kind: 'service', id: 'spec' }, correlationId: 'c', commandId: `cmd-${i + 1}` },
}));

describe('the experiments read model, against real PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: Database;
  let experiments: Experiments;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, experimentsMigrations);
    // every event twice, the second time a redelivery: the sequence guard makes it a no-op
    for (const r of [...recorded, ...recorded]) await db.transaction((sql) => experimentsProjection.apply(sql, r));
    experiments = new Experiments(null as unknown as EventStore<ExperimentEvent>, db); // the queries here read only the read model
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it('lists newest first, with each experiment where its last event left it', async () => {
    const { items } = await experiments.list(fleet, 10);
    expect(items.map((v) => [v.experimentId, v.status, v.settled])).toEqual([
      ['x-3', 'promoted', true],
      ['x-2', 'inconclusive', false],
      ['x-1', 'promoted', false],
    ]);
    const page = await experiments.list(fleet, 2);
    expect((await experiments.list(fleet, 2, page.nextCursor)).items.map((v) => v.experimentId)).toEqual(['x-1']);
  });

  it('finds the experiments the decision loop must visit', async () => {
    expect(await experiments.needingAttention()).toEqual([{ fleet, experimentId: 'x-1' }]);
  });

  const look = (judgedAt: string, outcome: 'continue' | 'promote') => {
    const test = {
      metric: 'confidence_mean',
      rule: 'higher',
      verdict: 'undecided' as const,
      candidate: null,
      control: null,
      estimate: null,
      low: null,
      high: null,
      pValue: 1,
      looks: 0,
    };
    return {
      judgedAt,
      outcome,
      reason: 'collecting',
      alpha: 0.05,
      samples: { candidate: 0, control: 0 },
      elapsedMs: 0,
      primary: test,
      guardrails: [],
      devices: { candidate: {}, control: {} },
    };
  };

  describe('group holds', () => {
    const holdsOn = (groupId: string) => experiments.groupHolds.serialised(fleet, groupId, (holds) => holds.open());
    const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

    it('count a hold open until the read model shows its experiment ended, and while it does not show it yet', async () => {
      for (const [groupId, id] of [
        ['g-a', 'x-1'],
        ['g-b', 'x-2'],
        ['g-a', 'x-9'],
      ] as const) {
        await experiments.groupHolds.serialised(fleet, groupId, (holds) => holds.hold(id));
      }
      expect(await holdsOn('g-b')).toEqual(['x-2']); // inconclusive: still open
      expect(await holdsOn('g-a')).toEqual(['x-9']); // x-1 promoted; x-9 appended, not projected yet
    });

    it('let exactly one of two creations racing for a group hold it', async () => {
      const create = (id: string) =>
        experiments.groupHolds.serialised(fleet, 'g-race', async (holds) => {
          if ((await holds.open()).length > 0) return false;
          await pause(); // both would be here at once without the lock
          await holds.hold(id);
          return true;
        });
      expect((await Promise.all([create('x-r1'), create('x-r2')])).filter(Boolean)).toHaveLength(1);
      expect(await holdsOn('g-race')).toHaveLength(1);
    });

    it('roll a hold back with a creation that is refused after writing it', async () => {
      const refused = experiments.groupHolds.serialised(fleet, 'g-refused', async (holds) => {
        await holds.hold('x-refused');
        throw new Error('the decider refused it');
      });
      await expect(refused).rejects.toThrow('the decider refused it');
      expect(await holdsOn('g-refused')).toEqual([]);
    });
  });

  it("keeps the decision loop's latest look per experiment, never an older one over it", async () => {
    expect(await experiments.lastLook(fleet, 'x-2')).toBeUndefined();
    await experiments.recordLook(fleet, 'x-2', look('2026-12-07T10:02:00.000Z', 'promote'));
    await experiments.recordLook(fleet, 'x-2', look('2026-12-07T10:01:00.000Z', 'continue')); // a slower replica's
    expect(await experiments.lastLook(fleet, 'x-2')).toEqual(look('2026-12-07T10:02:00.000Z', 'promote'));
    expect(await experiments.lastLook(fleet, 'x-1')).toBeUndefined();
  });

  it('keeps every look, oldest first a page at a time, a look recorded twice once', async () => {
    const times = ['2026-12-07T10:00:30.000Z', '2026-12-07T10:01:00.000Z', '2026-12-07T10:01:30.000Z'];
    for (const t of [times[1]!, times[0]!, times[2]!, times[2]!]) await experiments.recordLook(fleet, 'x-3', look(t, 'continue'));
    expect((await experiments.looks(fleet, 'x-3', 10)).items.map((l) => l.judgedAt)).toEqual(times);
    const first = await experiments.looks(fleet, 'x-3', 2);
    expect([first.items.map((l) => l.judgedAt), first.nextCursor]).toEqual([times.slice(0, 2), times[1]]);
    expect(await experiments.looks(fleet, 'x-3', 2, first.nextCursor)).toEqual({ items: [look(times[2]!, 'continue')] });
    expect(await experiments.looks(fleet, 'x-1', 10)).toEqual({ items: [] });
  });

  it('refuses a cursor it never returned, and an experiment the read model does not know', async () => {
    await expect(experiments.looks(fleet, 'x-3', 2, 'yesterday')).rejects.toMatchObject({ code: 'request.invalid' });
    await expect(experiments.looks(fleet, 'x-9', 2)).rejects.toBeInstanceOf(NotFound);
  });
});
