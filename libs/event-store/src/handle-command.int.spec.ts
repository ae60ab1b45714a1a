import type { NatsConnection } from '@nats-io/transport-node';
import { RuleViolation, type Decider } from '@keelson/domain-kit';
import { AggregateCache, handleCommand, type EventStore, type StreamDeclaration } from './index.js';
import { counter, type Counter, type CounterCommand, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore } from './test-fixtures/counter-store.js';

const decl: StreamDeclaration = { name: 'EV_HANDLER', subjects: ['ev.counter.>'], description: 'handler tests' };

describe('handleCommand: load -> decide -> append, retry on conflict', () => {
  let nc: NatsConnection;
  let store: EventStore<CounterEvent>;
  let n = 0;
  const meta = () => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `h-${++n}` });

  beforeAll(async () => ({ nc, store } = await openCounterStore(decl)));
  afterAll(() => nc.close());

  it('lets racing handlers on one aggregate all succeed, each deciding on the latest state', async () => {
    const subject = store.subject('counter', 'f1', 'race');
    // separate caches: as if each ran in its own replica
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () =>
        handleCommand({
          store,
          subject,
          decider: counter,
          command: { type: 'Increment', by: 1, limit: 100 },
          meta: meta(),
          cache: new AggregateCache<Counter>(),
        }),
      ),
    );
    expect(outcomes.every((o) => o.append && !o.append.duplicate)).toBe(true);
    const final = (await store.load(subject)).events.reduce((s, r) => counter.evolve(s, r.event), counter.initialState());
    expect(final.value).toBe(3);
  });

  it('decides on the latest state when racing: only one can reach the limit, the loser is refused', async () => {
    const subject = store.subject('counter', 'f1', 'limit');
    const results = await Promise.allSettled([
      handleCommand({ store, subject, decider: counter, command: { type: 'Increment', by: 3, limit: 3 }, meta: meta() }),
      handleCommand({ store, subject, decider: counter, command: { type: 'Increment', by: 3, limit: 3 }, meta: meta() }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RuleViolation);
    expect((await store.load(subject)).events.map((r) => r.event.type)).toEqual(['Incremented', 'LimitReached']);
  });

  it('reads only the new events when another writer appended behind the cache', async () => {
    const subject = store.subject('counter', 'f1', 'cached');
    const cache = new AggregateCache<Counter>();
    await handleCommand({ store, subject, decider: counter, command: { type: 'Increment', by: 2, limit: 10 }, meta: meta(), cache });
    // another writer appends behind the cache's back
    await handleCommand({ store, subject, decider: counter, command: { type: 'Increment', by: 3, limit: 10 }, meta: meta() });
    const out = await handleCommand({
      store,
      subject,
      decider: counter,
      command: { type: 'Increment', by: 5, limit: 10 },
      meta: meta(),
      cache,
    });
    expect(out.state).toEqual({ value: 10, full: true });
    expect(cache.get(subject)).toEqual({ state: { value: 10, full: true }, seq: out.append!.lastSeq });
  });

  it('appends nothing when the decider says the command is already satisfied', async () => {
    const subject = store.subject('counter', 'f1', 'noop');
    const zero = await handleCommand({
      store,
      subject,
      decider: { ...counter, decide: () => [] },
      command: { type: 'Increment', by: 1, limit: 1 },
      meta: meta(),
    });
    expect(zero.append).toBeNull();
    expect((await store.load(subject)).events).toHaveLength(0);
  });

  it("keeps the state a decider folded while deciding: a command's events are folded once", async () => {
    const subject = store.subject('counter', 'f1', 'fold-once');
    let folds = 0;
    const evolve = (s: Counter, e: CounterEvent) => {
      folds++;
      return counter.evolve(s, e);
    };
    // a decider that folds its events as it decides, as the rollout's does to find what follows
    const decided: Counter[] = [];
    const decideAndEvolve = (command: CounterCommand, state: Counter) => {
      const events = counter.decide(command, state);
      decided.push(events.reduce(evolve, state));
      return { events, state: decided.at(-1)! };
    };
    const folding: Decider<CounterCommand, CounterEvent, Counter> = {
      ...counter,
      evolve,
      decideAndEvolve,
      decide: (c, s) => decideAndEvolve(c, s).events,
    };
    const cache = new AggregateCache<Counter>();
    const run = () =>
      handleCommand({ store, subject, decider: folding, command: { type: 'Increment', by: 1, limit: 10 }, meta: meta(), cache });
    const first = await run(); // a miss: reads the (empty) stream, decides, appends
    const second = await run(); // a hit: decides on the cached state, appends
    expect(folds).toBe(2); // one per decided event, none again after the append
    expect(second.state).toEqual({ value: 2, full: false });
    expect([first.state, second.state]).toEqual([decided[0], decided[1]]);
    expect(second.state).toBe(decided[1]); // the decision's own object, cached
    expect(cache.get(subject)?.state).toBe(decided[1]);
  });
});
