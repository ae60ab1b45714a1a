import type { NatsConnection } from '@nats-io/transport-node';
import { RuleViolation } from '@keelson/domain-kit';
import { AggregateCache, handleCommand, type EventStore, type StreamDeclaration } from './index.js';
import { counter, type Counter, type CounterCommand, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore } from './test-fixtures/counter-store.js';
import { watchDirectReads, type DirectReads } from './test-fixtures/direct-reads.js';

const decl: StreamDeclaration = { name: 'EV_HANDLER_CACHED', subjects: ['ev.counter.>'], description: 'handler tests on cached states' };

describe('handleCommand on a cached state', () => {
  let nc: NatsConnection;
  let store: EventStore<CounterEvent>;
  let reads: DirectReads;
  let n = 0;
  const meta = () => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `hc-${++n}` });
  const increment = (by: number, limit = 100): CounterCommand => ({ type: 'Increment', by, limit });

  beforeAll(async () => {
    let streamName: string;
    ({ nc, store, streamName } = await openCounterStore(decl));
    reads = await watchDirectReads(streamName);
  });
  afterAll(async () => {
    await reads.close();
    await nc.close();
  });

  /** A replica of its own: a handler with a cache nobody else writes to. */
  const replica = (decider = counter) => {
    const cache = new AggregateCache<Counter>();
    return {
      cache,
      run: (subject: string, command: CounterCommand, commandMeta = meta()) =>
        handleCommand({ store, subject, decider, command, meta: commandMeta, cache }),
    };
  };
  /** Runs `act` and says how many reads it sent. */
  const readsDuring = async <T>(act: () => Promise<T>): Promise<{ result: T; reads: number }> => {
    const before = await reads.count();
    const result = await act();
    return { result, reads: (await reads.count()) - before };
  };
  const history = async (subject: string) => (await store.load(subject)).events.map((r) => r.event);

  it('appends on a cache hit without reading the stream first', async () => {
    const subject = store.subject('counter', 'f1', 'hit');
    const a = replica();
    await a.run(subject, increment(1)); // a miss: reads, then appends
    const { result, reads: sent } = await readsDuring(() => a.run(subject, increment(2)));
    expect(sent).toBe(0);
    expect(result.state).toEqual({ value: 3, full: false });
    expect(a.cache.get(subject)).toEqual({ state: { value: 3, full: false }, seq: result.append!.lastSeq });
  });

  describe('when another replica appended behind the cache', () => {
    it('re-reads after the conflicting append and decides on the latest state', async () => {
      const subject = store.subject('counter', 'f1', 'conflict');
      const [a, b] = [replica(), replica()];
      await a.run(subject, increment(1));
      await b.run(subject, increment(1));
      // On A's stale state (1) this is one Incremented; on the stream's (2) it reaches the limit.
      const { result, reads: sent } = await readsDuring(() => a.run(subject, increment(1, 3)));
      expect(sent).toBe(1);
      expect(result.events.map((e) => e.type)).toEqual(['Incremented', 'LimitReached']);
      expect(result.state).toEqual({ value: 3, full: true });
      expect((await history(subject)).map((e) => e.type)).toEqual(['Incremented', 'Incremented', 'Incremented', 'LimitReached']);
    });

    it('does not answer "nothing to do" from the stale state', async () => {
      const subject = store.subject('counter', 'f1', 'stale-noop');
      const [a, b] = [replica(), replica()];
      await a.run(subject, increment(2));
      await b.run(subject, increment(1));
      // Nothing to do at 2, but the stream is at 3.
      const out = await a.run(subject, { type: 'CloseIfReached', limit: 3 });
      expect(out.events).toEqual([{ type: 'LimitReached', schemaVersion: 1, data: { at: 3 } }]);
      expect(out.state).toEqual({ value: 3, full: true });
      expect((await history(subject)).at(-1)?.type).toBe('LimitReached');
    });

    it('does not refuse from the stale state', async () => {
      const subject = store.subject('counter', 'f1', 'stale-refusal');
      const [a, b] = [replica(), replica()];
      await a.run(subject, increment(2));
      await b.run(subject, increment(1));
      // Refused at 2 (below the limit), accepted at 3.
      const out = await a.run(subject, { type: 'Close', limit: 3 });
      expect(out.events.map((e) => e.type)).toEqual(['LimitReached']);
      expect((await history(subject)).at(-1)?.type).toBe('LimitReached');
    });

    it('stores a decision another replica already stored once, and answers the state from the stream', async () => {
      const subject = store.subject('counter', 'f1', 'stale-duplicate');
      // As real deciders treat a redelivered command: satisfied once the counter is closed.
      const idempotent: typeof counter = { ...counter, decide: (c, s) => (s.full ? [] : counter.decide(c, s)) };
      const [a, b] = [replica(idempotent), replica(idempotent)];
      await a.run(subject, { type: 'CloseIfReached', limit: 3 }); // A caches the empty counter
      const redelivered = meta();
      await b.run(subject, increment(3, 3), redelivered); // two events: an atomic batch
      // The server finds a batch's duplicate before its stale sequence: nothing is stored, and the
      // state A answers is the one after B's events, not its cached one.
      const out = await a.run(subject, increment(3, 3), redelivered);
      expect(out.state).toEqual({ value: 3, full: true });
      expect(out.events).toEqual([]);
      expect(await history(subject)).toHaveLength(2);
    });
  });

  describe('when nothing came after the cached state', () => {
    it('confirms "nothing to do" with one read and appends nothing', async () => {
      const subject = store.subject('counter', 'f1', 'fresh-noop');
      const a = replica();
      await a.run(subject, increment(2));
      const { result, reads: sent } = await readsDuring(() => a.run(subject, { type: 'CloseIfReached', limit: 3 }));
      expect(sent).toBe(1);
      expect(result).toEqual({ events: [], state: { value: 2, full: false }, append: null });
      expect(await history(subject)).toHaveLength(1);
    });

    it('confirms a refusal with one read', async () => {
      const subject = store.subject('counter', 'f1', 'fresh-refusal');
      const a = replica();
      await a.run(subject, increment(2));
      const { result, reads: sent } = await readsDuring(() => a.run(subject, { type: 'Close', limit: 3 }).catch((err: unknown) => err));
      expect(sent).toBe(1);
      expect(result).toBeInstanceOf(RuleViolation);
      expect((result as RuleViolation).code).toBe('counter.below-limit');
    });
  });
});
