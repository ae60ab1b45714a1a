import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError, InvalidInput } from '@keelson/domain-kit';
import type { EventMetadata, EventStore, StreamDeclaration } from './index.js';
import { inc, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore } from './test-fixtures/counter-store.js';

const decl: StreamDeclaration = { name: 'EV_COUNTERS', subjects: ['ev.counter.>'], description: 'test counters' };
const meta = (commandId: string): EventMetadata => ({
  actor: { kind: 'operator', id: 'ada' },
  correlationId: `corr-${commandId}`,
  commandId,
});

describe('EventStore against a real nats-server', () => {
  let nc: NatsConnection;
  let store: EventStore<CounterEvent>;

  beforeAll(async () => ({ nc, store } = await openCounterStore(decl)));
  afterAll(() => nc.close());

  let n = 0;
  const fresh = () => store.subject('counter', 'plant-7', `c-${++n}`);

  it('loads an aggregate that has no events as empty, at sequence 0', async () => {
    await expect(store.load(fresh())).resolves.toEqual({ events: [], lastSeq: 0 });
  });

  it('reads back what it appended, with the actor, correlation and command ids', async () => {
    const subject = fresh();
    const result = await store.append(subject, 0, [inc(2)], {
      ...meta('cmd-1'),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const loaded = await store.load(subject);
    expect(loaded.lastSeq).toBe(result!.lastSeq);
    expect(loaded.events.map((r) => r.event)).toEqual([inc(2)]);
    expect(loaded.events[0]!.meta).toEqual({
      actor: { kind: 'operator', id: 'ada' },
      correlationId: 'corr-cmd-1',
      commandId: 'cmd-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(loaded.events[0]!.subject).toBe(subject);
  });

  it('reads long histories across pages, and only what follows a given sequence', async () => {
    const subject = fresh();
    let seq = 0;
    for (let i = 1; i <= 300; i++) seq = (await store.append(subject, seq, [inc(i)], meta(`long-${n}-${i}`)))!.lastSeq;
    const all = await store.load(subject);
    expect(all.events.map((r) => (r.event.type === 'Incremented' ? r.event.data.by : 0))).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    const tail = await store.load(subject, all.events[297]!.seq);
    expect(tail.events.map((r) => r.seq)).toEqual([all.events[298]!.seq, all.events[299]!.seq]);
  });

  it('lets exactly one of two racing writers append at the same expected sequence', async () => {
    const subject = fresh();
    await store.append(subject, 0, [inc(1)], meta(`race-base-${n}`));
    const { lastSeq } = await store.load(subject);
    const results = await Promise.allSettled([
      store.append(subject, lastSeq, [inc(10)], meta(`race-a-${n}`)),
      store.append(subject, lastSeq, [inc(20)], meta(`race-b-${n}`)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect((await store.load(subject)).events).toHaveLength(2);
  });

  it('refuses an append to a new aggregate that someone already created', async () => {
    const subject = fresh();
    await store.append(subject, 0, [inc(1)], meta(`new-a-${n}`));
    await expect(store.append(subject, 0, [inc(1)], meta(`new-b-${n}`))).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('stores a retried decision once (Nats-Msg-Id de-duplication)', async () => {
    const subject = fresh();
    const first = await store.append(subject, 0, [inc(5)], meta(`dup-${n}`));
    // a retry after a lost acknowledgement reloads first, so it expects the current sequence
    const again = await store.append(subject, first!.lastSeq, [inc(5)], meta(`dup-${n}`));
    expect(first!.duplicate).toBe(false);
    expect(again!.duplicate).toBe(true);
    expect(again!.lastSeq).toBe(first!.lastSeq);
    expect((await store.load(subject)).events).toHaveLength(1);
  });

  it('validates events before appending: an invalid one writes nothing', async () => {
    const subject = fresh();
    const bad = { type: 'Incremented', schemaVersion: 1, data: { by: -1 } } as unknown as CounterEvent;
    await expect(store.append(subject, 0, [inc(1), bad], meta(`bad-${n}`))).rejects.toBeInstanceOf(InvalidInput);
    expect((await store.load(subject)).events).toHaveLength(0);
  });

  it('refuses subjects built from unsafe tokens', () => {
    expect(() => store.subject('counter', 'Plant 7', 'c1')).toThrow(InvalidInput);
    expect(() => store.subject('counter', 'plant-7', 'a.b')).toThrow(InvalidInput);
    expect(() => store.subject('counter', 'plant-7', '*')).toThrow(InvalidInput);
  });
});
