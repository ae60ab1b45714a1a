import { jetstreamManager } from '@nats-io/jetstream';
import { openDatabase } from '@keelson/postgres';
import { connectTestNats, eventually } from '@keelson/testing';
import { ProjectionRunner, type Projection } from '../index.js';
import type { CounterEvent } from '../test-fixtures/counter.js';
import { totals, ProjectionTestbed } from '../test-fixtures/counter-projections.js';

// Poison messages, refused batches and failures: projection-failures.int.spec.ts.
describe('ProjectionRunner against real NATS and PostgreSQL', () => {
  let t: ProjectionTestbed;
  beforeAll(async () => (t = await ProjectionTestbed.create()));
  afterAll(() => t.close());

  it('projects every event once and records the actor from the headers', async () => {
    const subject = await t.append('a', 1, 2, 3);
    const r = t.runner(totals('totals_a'));
    await r.start();
    await eventually(async () => (await t.total('totals_a', subject)) === 6);
    await r.stop();
    expect(await t.db.query('SELECT actors FROM totals_a')).toEqual([{ actors: 'ada,ada,ada' }]);
  });

  it('changes no read model when the consumer redelivers events it already applied', async () => {
    const subject = await t.append('b', 5, 5);
    const projection = totals('totals_b');
    const r1 = t.runner(projection);
    await r1.start();
    await eventually(async () => (await t.total('totals_b', subject)) === 10);
    await r1.stop();
    // Replace the durable consumer: JetStream delivers the whole stream again.
    const jsm = await jetstreamManager(t.s.nc);
    await jsm.consumers.delete(`${t.s.streamName}`, r1.consumerName);
    const r2 = t.runner(projection);
    await r2.start();
    await t.append('b', 1);
    await eventually(async () => (await t.total('totals_b', subject)) === 11);
    await r2.stop();
    expect(projection.applied).toHaveLength(new Set(projection.applied).size);
  });

  it('resumes after a restart where it stopped, losing and repeating nothing', async () => {
    const subject = await t.append('c', 1, 1, 1);
    const r1 = t.runner(totals('totals_c'));
    await r1.start();
    await eventually(async () => (await t.total('totals_c', subject)) === 3);
    await r1.stop();
    await t.append('c', 10, 10);
    // a new process: its own connections, same projection name
    const nc2 = await connectTestNats('restarted');
    const db2 = await openDatabase({ url: t.tdb.url });
    const r2 = t.runner(totals('totals_c'), nc2, db2);
    await r2.start();
    await eventually(async () => (await t.total('totals_c', subject)) === 23);
    await r2.stop();
    await nc2.close();
    await db2.close();
  });

  it('retries a transiently failing event in order until it applies, once', async () => {
    const subject = await t.append('d', 1);
    const { lastSeq } = await t.s.store.load(subject);
    const projection = totals('totals_d', new Map([[lastSeq + 1, 2]]));
    const r = t.runner(projection);
    await r.start();
    await t.append('d', 100, 1000);
    await eventually(async () => (await t.total('totals_d', subject)) === 1101);
    await r.stop();
    const mine = projection.applied.filter((s) => s >= lastSeq);
    expect(mine).toEqual([...mine].sort((x, y) => x - y));
  });

  it('looks up no gap for the events of other subjects between its own, once it knows what it applied last', async () => {
    await t.append('gapother', 1); // another subject's event before its first: that jump is looked up once
    const mine = await t.append('gapown', 1);
    const r = t.runner({ ...totals('totals_gap'), filterSubjects: ['ev.counter.f1.gapown'] });
    await r.start();
    await eventually(async () => (await t.total('totals_gap', mine)) === 1);
    for (let i = 2; i <= 6; i++) {
      await t.append('gapother', 1);
      await t.append('gapown', 1);
      await eventually(async () => (await t.total('totals_gap', mine)) === i);
    }
    await r.stop();
    expect(r.gapLookups.count).toBe(1);
  });

  it('applies an event as soon as it arrives, from the pull already open, without waiting for that pull to end', async () => {
    const r = t.runner({ ...totals('totals_h'), filterSubjects: ['ev.counter.f1.h'] }, t.s.nc, t.db, 30_000);
    let pulls = 0;
    const sub = t.s.nc.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${t.s.streamName}.${r.consumerName}`, { callback: () => void pulls++ });
    await t.s.nc.flush();
    await r.start();
    await eventually(async () => pulls === 1);
    const subject = await t.append('h', 7);
    // Well inside the 30 s pull: a runner that waits for its pull to fill or expire is still waiting.
    await eventually(async () => (await t.total('totals_h', subject)) === 7, 10_000);
    await r.stop();
    sub.unsubscribe();
    expect(pulls).toBe(1); // applied from the pull that was open before the event existed
  });

  it('keeps a batch open for lingerMs after its first event, so events appended one by one are applied together', async () => {
    const plain = totals('totals_j');
    const calls: number[][] = [];
    const batched: Projection<CounterEvent> = {
      ...plain,
      filterSubjects: ['ev.counter.f1.j'],
      async applyBatch(sql, events) {
        calls.push(events.map((e) => e.seq));
        for (const e of events) await plain.apply(sql, e);
      },
    };
    const r = new ProjectionRunner({
      nc: t.s.nc,
      naming: t.s.naming,
      db: t.db,
      projection: batched,
      batchSize: 20,
      retryDelayMs: 50,
      lingerMs: 2_000,
    });
    await t.total('totals_j', 'none'); // the table exists before the first batch
    await r.start();
    const subject = await t.append('j', 1, 2, 3); // three appends, one round trip each: well inside the 2 s
    await eventually(async () => (await t.total('totals_j', subject)) === 6);
    await r.stop();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(3);
  });
});
