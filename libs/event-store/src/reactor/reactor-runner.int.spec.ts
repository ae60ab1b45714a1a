import { RuleViolation } from '@keelson/domain-kit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectTestNats, eventually } from '@keelson/testing';
import { ReactorRunner, type Reactor, type ReactorRunnerOptions, type RecordedEvent, type StreamDeclaration } from '../index.js';
import { ACK_WAIT_MS } from '../batch-heartbeat.js';
import { openCounterStore, type CounterStore } from '../test-fixtures/counter-store.js';
import { inc, type CounterEvent } from '../test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_REACT', subjects: ['ev.counter.>'], description: 'reactor tests' };
const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `cmd-${n}` });

describe('ReactorRunner against real NATS', () => {
  let s: CounterStore;
  let n = 0;
  beforeAll(async () => {
    s = await openCounterStore(decl);
  });
  afterAll(() => s.nc.close());

  async function appendAll(id: string, ...bys: number[]): Promise<void> {
    await appendIn('f', id, ...bys);
  }

  async function appendIn(fleet: string, id: string, ...bys: number[]): Promise<void> {
    const subject = s.store.subject('counter', fleet, id);
    let seq = (await s.store.load(subject)).lastSeq;
    for (const by of bys) seq = (await s.store.append(subject, seq, [inc(by)], meta(++n)))!.lastSeq;
  }

  function runner(
    name: string,
    handle: (r: RecordedEvent<CounterEvent>) => Promise<void>,
    onPoison?: () => void,
    filter = `ev.counter.f.${name}`,
    more: Partial<ReactorRunnerOptions<CounterEvent>> = {},
  ): ReactorRunner<CounterEvent> {
    const reactor: Reactor<CounterEvent> = { name, stream: decl, filterSubjects: [filter], parse: (raw) => raw as CounterEvent, handle };
    return new ReactorRunner({ nc: s.nc, naming: s.naming, reactor, retryDelayMs: 50, onPoison, partitionBy: (m) => m.subject, ...more });
  }
  const byOf = (r: RecordedEvent<CounterEvent>) => (r.event.type === 'Incremented' ? r.event.data.by : 0);

  /** Counts the pull requests a runner sends (nats.js `fetch`/`consume` publish them on this subject). */
  function countPulls(r: ReactorRunner<CounterEvent>): { count(): number; stop(): void } {
    let pulls = 0;
    const sub = s.nc.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${s.naming.streamPrefix}${decl.name}.${r.consumerName}`, { callback: () => void pulls++ });
    return { count: () => pulls, stop: () => sub.unsubscribe() };
  }

  it('hands every event over in order, and a restart resumes after the last acknowledged one', async () => {
    const seen: number[] = [];
    const first = runner('a', async (r) => void seen.push(r.event.type === 'Incremented' ? r.event.data.by : 0));
    await appendAll('a', 1, 2, 3);
    await first.start();
    await eventually(() => seen.length === 3);
    await first.stop();
    const second = runner('a', async (r) => void seen.push(r.event.type === 'Incremented' ? r.event.data.by : 0));
    await second.start();
    // A later event on the same subject: anything handed over again would come before it.
    await appendAll('a', 4);
    await eventually(() => seen.includes(4));
    await second.stop();
    expect(seen).toEqual([1, 2, 3, 4]); // nothing handed over twice
  });

  it('retries an infrastructure failure in order, and terminates a message the domain refuses', async () => {
    const seen: number[] = [];
    let failures = 2;
    let poisoned = 0;
    const r = runner(
      'b',
      async (rec) => {
        const by = rec.event.type === 'Incremented' ? rec.event.data.by : 0;
        if (by === 2 && failures-- > 0) throw new Error('database unavailable');
        if (by === 3) throw new RuleViolation('counter.refused');
        seen.push(by);
      },
      () => poisoned++,
    );
    await appendAll('b', 1, 2, 3, 4);
    await r.start();
    await eventually(() => seen.length === 3);
    await r.stop();
    expect(seen).toEqual([1, 2, 4]);
    expect(poisoned).toBe(1);
  });

  it('keeps a batch while one message takes longer than the ack wait: nothing is handed over twice, not even to a second runner', async () => {
    const seen: number[] = [];
    let slowStarted = false;
    const handle = async (rec: RecordedEvent<CounterEvent>) => {
      const by = rec.event.type === 'Incremented' ? rec.event.data.by : 0;
      if (by === 1) {
        slowStarted = true;
        await new Promise((r) => setTimeout(r, ACK_WAIT_MS + 2_000));
      }
      seen.push(by);
    };
    const [slow, other] = [runner('c', handle), runner('c', handle)];
    await appendAll('c', 1, 2, 3);
    await slow.start();
    await eventually(() => slowStarted);
    // Another replica pulls all along: whatever the server redelivers while the batch is held goes to it.
    await other.start();
    await eventually(() => seen.length >= 3, ACK_WAIT_MS + 10_000);
    // A later event: once it is handled, and both runners finished what they hold, all was handed over.
    await appendAll('c', 4);
    await eventually(() => seen.includes(4));
    await Promise.all([slow.stop(), other.stop()]);
    expect(seen).toEqual([1, 2, 3, 4]);
  }, 60_000);

  it('keeps a message that arrived while a slow one is in hand past the ack wait: no other runner gets it first', async () => {
    const seen: number[] = [];
    let slowStarted = false;
    const handle = async (rec: RecordedEvent<CounterEvent>) => {
      if (byOf(rec) === 1) {
        slowStarted = true;
        await new Promise((r) => setTimeout(r, ACK_WAIT_MS + 2_000));
      }
      seen.push(byOf(rec));
    };
    const [slow, other] = [runner('k', handle), runner('k', handle)];
    await appendAll('k', 1);
    await slow.start();
    await eventually(() => slowStarted);
    await other.start();
    // Event 2 arrives while 1 is in hand; the other replica pulls all along.
    await appendAll('k', 2);
    await eventually(() => seen.length >= 2, ACK_WAIT_MS + 10_000);
    await appendAll('k', 3);
    await eventually(() => seen.includes(3));
    await Promise.all([slow.stop(), other.stop()]);
    expect(seen).toEqual([1, 2, 3]);
  }, 60_000);

  it('hands the messages a vanished process held to another one within a few ack waits', async () => {
    const crashedNc = await connectTestNats();
    const handedOver = new Promise<void>((resolve) => {
      const reactor: Reactor<CounterEvent> = { name: 'd', stream: decl, filterSubjects: ['ev.counter.f.d'], parse: (raw) => raw as CounterEvent, handle: () => (resolve(), new Promise<void>(() => undefined)) };
      void new ReactorRunner({ nc: crashedNc, naming: s.naming, reactor }).start();
    });
    await appendAll('d', 7);
    await handedOver;
    await crashedNc.close(); // the process is gone: no ack, no heartbeat
    // The server redelivers, on its own clock, once the consumer's ack wait lapses: that short wait is
    // what hands a vanished process's message over within seconds; the survivor holds it as a redelivery.
    const seen: { by: number; redelivered: number; ackWait: number | undefined }[] = [];
    const survivor = runner('d', async (rec) => {
      const { num_redelivered, config } = await (await jetstreamManager(s.nc)).consumers.info(`${s.naming.streamPrefix}${decl.name}`, survivor.consumerName);
      seen.push({ by: rec.event.type === 'Incremented' ? rec.event.data.by : 0, redelivered: num_redelivered, ackWait: config.ack_wait });
    });
    await survivor.start();
    await eventually(() => seen.length === 1, ACK_WAIT_MS * 3);
    await survivor.stop();
    expect(seen).toEqual([{ by: 7, redelivered: 1, ackWait: ACK_WAIT_MS * 1_000_000 }]);
  }, 60_000);

  it('with partitions, one slow subject holds back only its own messages, each subject in order', async () => {
    const seen: string[] = [];
    let unblock: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (unblock = r));
    const r = runner('e', async (rec) => {
      const by = rec.event.type === 'Incremented' ? rec.event.data.by : 0;
      const id = rec.subject.split('.').at(-1)!;
      if (id === 'e-slow' && by === 1) await blocked;
      seen.push(`${id}:${by}`);
    }, undefined, 'ev.counter.g.*');
    await appendIn('g', 'e-slow', 1, 2);
    await appendIn('g', 'e-fast', 1, 2, 3);
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
    const r = runner('h', async (rec) => void seen.push(byOf(rec)), undefined, undefined, { fetchExpiresMs: 30_000 });
    const pulls = countPulls(r);
    await s.nc.flush();
    await r.start();
    await eventually(() => pulls.count() === 1);
    await appendAll('h', 5);
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
    const jsm = await jetstreamManager(s.nc);
    const r = runner('i', async (rec) => {
      const by = byOf(rec);
      if (by === 1 && failures-- > 0) {
        // The next event of the subject arrives while this one is in hand, so it is not in this batch.
        await appendAll('i', 2);
        await eventually(() => seen.length === 0 && pulledTwo());
        throw new Error('database unavailable');
      }
      seen.push(by);
    });
    let ackPending = 0;
    const pulledTwo = () => ackPending === 2;
    const watch = setInterval(() => {
      void jsm.consumers.info(`${s.naming.streamPrefix}${decl.name}`, r.consumerName).then((i) => (ackPending = i.num_ack_pending), () => undefined);
    }, 20);
    await appendAll('i', 1);
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
    const r = runner('j', async (rec) => {
      if (handled++ === 0) await burstAppended; // the burst arrives while the first batch is in hand
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      const id = rec.subject.split('.').at(-1)!;
      seen.set(id, [...(seen.get(id) ?? []), byOf(rec)]);
    }, undefined, 'ev.counter.j.*', { batchSize: 8 });
    const ids = Array.from({ length: 12 }, (_, i) => `j${i}`);
    await r.start();
    await appendIn('j', 'j0', 1);
    await eventually(() => handled === 1);
    await Promise.all(ids.map((id) => (id === 'j0' ? appendIn('j', id, 2, 3, 4, 5, 6) : appendIn('j', id, 1, 2, 3, 4, 5, 6))));
    firstInHand();
    await eventually(() => handled === ids.length * 6);
    await r.stop();
    for (const id of ids) expect([id, seen.get(id)]).toEqual([id, [1, 2, 3, 4, 5, 6]]);
  });
});
