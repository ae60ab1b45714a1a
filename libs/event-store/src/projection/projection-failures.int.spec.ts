import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { eventually } from '@keelson/testing';
import type { Projection } from '../index.js';
import type { CounterEvent } from '../test-fixtures/counter.js';
import { batchTotals, totals, ProjectionTestbed } from '../test-fixtures/counter-projections.js';

// Each event is applied once and in order however it fails: a poison message is dead-lettered alone.
describe('ProjectionRunner when an event fails: dead letters and order', () => {
  let t: ProjectionTestbed;
  beforeAll(async () => (t = await ProjectionTestbed.create()));
  afterAll(() => t.close());

  it('sends a poison message to the dead-letter table and carries on', async () => {
    const subject = await t.append('e', 1);
    const h = headers();
    h.set('Keelson-Actor', 'operator:mallory');
    // written past the store's validation, as a buggy or hostile writer would
    await jetstream(t.s.nc).publish(
      t.s.store.subject('counter', 'f1', 'e-poison'),
      new TextEncoder().encode('{"type":"Incremented","schemaVersion":1,"data":{"by":"lots"}}'),
      { headers: h },
    );
    await t.append('e', 2);
    const r = t.runner(totals('totals_e'));
    await r.start();
    await eventually(async () => (await t.total('totals_e', subject)) === 3);
    await r.stop();
    const dead = await t.db.query<{ projection: string; error: string; payload: string; headers: Record<string, string[]> }>(
      `SELECT projection, error, payload, headers FROM projection_dead_letters WHERE projection = 'totals_e'`,
    );
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error).toMatch(/InvalidInput/);
    expect(dead[0]!.payload).toContain('"lots"');
    expect(dead[0]!.headers['Keelson-Actor']).toEqual(['operator:mallory']);
  });

  it('hands a batch to applyBatch in one call, and still dead-letters a poison event alone', async () => {
    const subject = await t.append('f', 1, 2, 4);
    const plain = totals('totals_f');
    const calls: number[][] = [];
    const batched: Projection<CounterEvent> = {
      ...plain,
      filterSubjects: ['ev.counter.f1.f', 'ev.counter.f1.f-poison'], // not the earlier tests' events (nor their poison)
      async applyBatch(sql, events) {
        calls.push(events.map((e) => e.seq));
        for (const e of events) await plain.apply(sql, e);
      },
    };
    const r = t.runner(batched);
    await t.total('totals_f', subject); // creates the table: the runner applies at once, its first batch must not fail on it
    await r.start();
    await eventually(async () => (await t.total('totals_f', subject)) === 7);
    await jetstream(t.s.nc).publish(
      t.s.store.subject('counter', 'f1', 'f-poison'),
      new TextEncoder().encode('{"type":"Incremented","schemaVersion":1,"data":{"by":"lots"}}'),
    );
    await t.append('f', 8);
    await eventually(async () => (await t.total('totals_f', subject)) === 15);
    await r.stop();
    expect(calls[0]).toHaveLength(3); // the three events present at the start, fetched as one batch
    expect(plain.applied).toEqual(calls.flat());
    expect(await t.db.query(`SELECT count(*)::int AS n FROM projection_dead_letters WHERE projection = 'totals_f'`)).toEqual([{ n: 1 }]);
  });

  describe('with a projection that writes whole batches', () => {
    it('dead-letters only the event its batch was refused for, and applies the others once, in order', async () => {
      const subject = await t.append('g', 1, 2, 13, 4, 5);
      const { lastSeq } = await t.s.store.load(subject);
      const projection = batchTotals('totals_g', 'g', 13);
      const r = t.runner(projection);
      await r.start();
      await eventually(async () => (await t.total('totals_g', subject)) === 12);
      await r.stop();
      const dead = await t.db.query<{ seq: string; error: string }>(
        `SELECT seq, error FROM projection_dead_letters WHERE projection = 'totals_g'`,
      );
      expect(dead).toEqual([{ seq: String(lastSeq - 2), error: expect.stringMatching(/counter\.refused/) }]);
      expect(projection.batches.flat()).toEqual([lastSeq - 4, lastSeq - 3, lastSeq - 1, lastSeq]);
    });
  });

  it('holds back, behind a failing event, the events that arrived while its batch was in hand', async () => {
    const subject = await t.append('i', 1);
    const { lastSeq } = await t.s.store.load(subject);
    // Fails twice: in the batch's transaction, and again on its own; then it is naked.
    const projection = { ...totals('totals_i', new Map([[lastSeq, 2]])), filterSubjects: ['ev.counter.f1.i'] };
    const apply = projection.apply.bind(projection);
    let arrived = false;
    projection.apply = async (sql, rec) => {
      if (rec.seq === lastSeq && !arrived) {
        arrived = true; // the next event is published, and received, while this batch is in hand
        await t.append('i', 10);
        const jsm = await jetstreamManager(t.s.nc);
        await eventually(async () => (await jsm.consumers.info(`${t.s.streamName}`, r.consumerName)).num_ack_pending === 2);
      }
      return apply(sql, rec);
    };
    const r = t.runner(projection);
    await r.start();
    await eventually(async () => (await t.total('totals_i', subject)) === 11);
    await r.stop();
    expect(projection.applied).toEqual([lastSeq, lastSeq + 1]);
  });
});
