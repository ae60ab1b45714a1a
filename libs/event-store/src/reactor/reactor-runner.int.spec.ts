import { RuleViolation } from '@keelson/domain-kit';
import { jetstreamManager } from '@nats-io/jetstream';
import { eventually } from '@keelson/testing';
import { byOf, ReactorTestbed } from '../test-fixtures/counter-reactors.js';

// A message held past the ack wait, and a vanished process's messages: reactor-ack-wait.int.spec.ts.
describe('ReactorRunner against real NATS', () => {
  let t: ReactorTestbed;
  beforeAll(async () => (t = await ReactorTestbed.create()));
  afterAll(() => t.close());

  it('hands every event over in order, and a restart resumes after the last acknowledged one', async () => {
    const seen: number[] = [];
    const first = t.runner('a', async (r) => void seen.push(r.event.type === 'Incremented' ? r.event.data.by : 0));
    await t.appendAll('a', 1, 2, 3);
    await first.start();
    await eventually(() => seen.length === 3);
    await first.stop();
    const second = t.runner('a', async (r) => void seen.push(r.event.type === 'Incremented' ? r.event.data.by : 0));
    await second.start();
    // A later event on the same subject: anything handed over again would come before it.
    await t.appendAll('a', 4);
    await eventually(() => seen.includes(4));
    await second.stop();
    expect(seen).toEqual([1, 2, 3, 4]); // nothing handed over twice
  });

  it('retries an infrastructure failure in order, and terminates a message the domain refuses', async () => {
    const seen: number[] = [];
    let failures = 2;
    let poisoned = 0;
    const r = t.runner(
      'b',
      async (rec) => {
        const by = rec.event.type === 'Incremented' ? rec.event.data.by : 0;
        if (by === 2 && failures-- > 0) throw new Error('database unavailable');
        if (by === 3) throw new RuleViolation('counter.refused');
        seen.push(by);
      },
      () => poisoned++,
    );
    await t.appendAll('b', 1, 2, 3, 4);
    await r.start();
    await eventually(() => seen.length === 3);
    await r.stop();
    expect(seen).toEqual([1, 2, 4]);
    expect(poisoned).toBe(1);
  });

  it('with partitions, one slow subject holds back only its own messages, each subject in order', async () => {
    const seen: string[] = [];
    let unblock: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (unblock = r));
    const r = t.runner(
      'e',
      async (rec) => {
        const by = rec.event.type === 'Incremented' ? rec.event.data.by : 0;
        const id = rec.subject.split('.').at(-1)!;
        if (id === 'e-slow' && by === 1) await blocked;
        seen.push(`${id}:${by}`);
      },
      undefined,
      'ev.counter.g.*',
    );
    await t.appendIn('g', 'e-slow', 1, 2);
    await t.appendIn('g', 'e-fast', 1, 2, 3);
    await r.start();
    await eventually(() => seen.length === 3);
    expect(seen).toEqual(['e-fast:1', 'e-fast:2', 'e-fast:3']);
    unblock();
    await eventually(() => seen.length === 5);
    await r.stop();
    expect(seen.slice(3)).toEqual(['e-slow:1', 'e-slow:2']);
  });

  it('handles an event as soon as it arrives, from the pull already open, without waiting for that pull to end', async () => {
    const seen: number[] = [];
    const r = t.runner('h', async (rec) => void seen.push(byOf(rec)), undefined, undefined, { fetchExpiresMs: 30_000 });
    const pulls = t.countPulls(r);
    await t.s.nc.flush();
    await r.start();
    await eventually(() => pulls.count() === 1);
    await t.appendAll('h', 5);
    // Well inside the 30 s pull: a runner that waits for its pull to fill or expire is still waiting.
    await eventually(() => seen.length === 1, 10_000);
    await r.stop();
    pulls.stop();
    expect(seen).toEqual([5]);
    expect(pulls.count()).toBe(1); // handed over from the pull that was open before the event existed
  });

  it('holds back the rest of a failed subject that arrived while the failed message was handled', async () => {
    const seen: number[] = [];
    let failures = 1;
    const jsm = await jetstreamManager(t.s.nc);
    const r = t.runner('i', async (rec) => {
      const by = byOf(rec);
      if (by === 1 && failures-- > 0) {
        // The next event of the subject arrives while this one is in hand, so it is not in this batch.
        await t.appendAll('i', 2);
        await eventually(() => seen.length === 0 && pulledTwo());
        throw new Error('database unavailable');
      }
      seen.push(by);
    });
    let ackPending = 0;
    const pulledTwo = () => ackPending === 2;
    const watch = setInterval(() => {
      void jsm.consumers.info(`${t.s.streamName}`, r.consumerName).then(
        (i) => (ackPending = i.num_ack_pending),
        () => undefined,
      );
    }, 20);
    await t.appendAll('i', 1);
    await r.start();
    await eventually(() => seen.length === 2);
    clearInterval(watch);
    await r.stop();
    expect(seen).toEqual([1, 2]);
  });

  it('under a burst across many subjects, handles each subject in order while batches form from what has arrived', async () => {
    const seen = new Map<string, number[]>();
    let firstInHand: () => void = () => undefined;
    const burstAppended = new Promise<void>((resolve) => (firstInHand = resolve));
    let handled = 0;
    const r = t.runner(
      'j',
      async (rec) => {
        if (handled++ === 0) await burstAppended; // the burst arrives while the first batch is in hand
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        const id = rec.subject.split('.').at(-1)!;
        seen.set(id, [...(seen.get(id) ?? []), byOf(rec)]);
      },
      undefined,
      'ev.counter.j.*',
      { batchSize: 8 },
    );
    const ids = Array.from({ length: 12 }, (_, i) => `j${i}`);
    await r.start();
    await t.appendIn('j', 'j0', 1);
    await eventually(() => handled === 1);
    await Promise.all(ids.map((id) => (id === 'j0' ? t.appendIn('j', id, 2, 3, 4, 5, 6) : t.appendIn('j', id, 1, 2, 3, 4, 5, 6))));
    firstInHand();
    await eventually(() => handled === ids.length * 6);
    await r.stop();
    for (const id of ids) expect([id, seen.get(id)]).toEqual([id, [1, 2, 3, 4, 5, 6]]);
  });
});
