import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { EventStore, type EventMetadata, type EventStoreNaming, type StreamDeclaration } from './index.js';
import { inc, parseCounterEvent, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore } from './test-fixtures/counter-store.js';

// typed-subjects: a typed aggregate stores each event on `<subject>.<Type>`; its history from before
// (untyped, on `<subject>`) stays where it is and is read along; the concurrency check covers both.
const decl: StreamDeclaration = {
  name: 'EV_TYPED',
  subjects: ['ev.counter.>'],
  description: 'typed subject tests',
  typedAggregates: ['counter'],
};
const untypedDecl: StreamDeclaration = { ...decl, typedAggregates: [] };
const meta = (commandId: string): EventMetadata => ({ actor: { kind: 'service', id: 'test' }, correlationId: commandId, commandId });
const closed = (at: number): CounterEvent => ({ type: 'LimitReached', schemaVersion: 1, data: { at } });

describe('typed-subjects: append and load of a typed aggregate', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: EventStore<CounterEvent>;
  /** Writes as a release from before typed subjects did: on the aggregate's own subject. */
  let legacy: EventStore<CounterEvent>;
  let streamName: string;
  let naming: EventStoreNaming;

  beforeAll(async () => {
    ({ nc, jsm, store, streamName, naming } = await openCounterStore(decl));
    legacy = new EventStore({ nc, naming, stream: untypedDecl, parse: parseCounterEvent });
  });
  afterAll(() => nc.close());

  const messages = async () => (await jsm.streams.info(streamName)).state.messages;
  const subjectsOf = async (subject: string) => (await store.load(subject)).events.map((r) => r.subject.slice(subject.length));

  it('runs on a server that checks the expected sequence of a wildcard subject (nats-server >= 2.11)', () => {
    const version = nc.info!.version.split('.').map(Number);
    expect(version[0]! * 100 + version[1]!).toBeGreaterThanOrEqual(211);
  });

  it('stores each event on its type, one decision of several types atomically, and loads them in order', async () => {
    const subject = store.subject('counter', 'f1', 'a1');
    await store.append(subject, 0, [inc(1)], meta('t1-1'));
    const loaded = await store.load(subject);
    const batch = await store.append(subject, loaded.lastSeq, [inc(2), closed(3)], meta('t1-2'));
    expect(batch!.lastSeq - batch!.firstSeq).toBe(1);
    expect(await subjectsOf(subject)).toEqual(['.Incremented', '.Incremented', '.LimitReached']);
    expect((await store.load(subject)).events.map((r) => r.event)).toEqual([inc(1), inc(2), closed(3)]);
  });

  it('refuses a stale version, for one event and for several, whatever type the newer event has', async () => {
    const subject = store.subject('counter', 'f1', 'a2');
    const first = await store.append(subject, 0, [inc(1)], meta('t2-1'));
    await store.append(subject, first!.lastSeq, [closed(1)], meta('t2-2'));
    const before = await messages();
    await expect(store.append(subject, first!.lastSeq, [inc(5)], meta('t2-3'))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append(subject, first!.lastSeq, [inc(5), closed(6)], meta('t2-4'))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.append(subject, 0, [inc(5)], meta('t2-5'))).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await messages()).toBe(before);
  });

  it('reads an aggregate stored untyped before, then typed, in stream order; `afterSeq` reads only what follows', async () => {
    const subject = store.subject('counter', 'f1', 'a3');
    const old1 = await legacy.append(subject, 0, [inc(1)], meta('t3-1'));
    const old2 = await legacy.append(subject, old1!.lastSeq, [inc(2)], meta('t3-2'));
    await store.append(store.subject('counter', 'f1', 'other'), 0, [inc(9)], meta('t3-x')); // someone else's, in between
    const loaded = await store.load(subject);
    expect(loaded.lastSeq).toBe(old2!.lastSeq);
    const typed = await store.append(subject, loaded.lastSeq, [inc(3), closed(6)], meta('t3-3'));
    expect(await subjectsOf(subject)).toEqual(['', '', '.Incremented', '.LimitReached']);
    const after = await store.load(subject, old2!.lastSeq);
    expect(after.events.map((r) => r.event)).toEqual([inc(3), closed(6)]);
    expect(after.lastSeq).toBe(typed!.lastSeq);
  });

  it('lets exactly one of two writers racing to make the first typed append on an untyped history land', async () => {
    const subject = store.subject('counter', 'f1', 'a4');
    const old = await legacy.append(subject, 0, [inc(1)], meta('t4-0'));
    const version = (await store.load(subject)).lastSeq;
    expect(version).toBe(old!.lastSeq);
    const before = await messages();
    const results = await Promise.allSettled([
      store.append(subject, version, [inc(2)], meta('t4-a')),
      store.append(subject, version, [inc(3), closed(4)], meta('t4-b')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ConcurrencyError);
    const landed = (await messages()) - before;
    expect([1, 2]).toContain(landed);
    expect((await store.load(subject)).events).toHaveLength(1 + landed);
    // The one refused, now on a typed history: its version is still stale.
    await expect(store.append(subject, version, [inc(7)], meta('t4-c'))).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('lets exactly one of two writers racing on a new aggregate and on a typed version land', async () => {
    const subject = store.subject('counter', 'f1', 'a5');
    const fresh = await Promise.allSettled([
      store.append(subject, 0, [inc(1)], meta('t5-a')),
      store.append(subject, 0, [inc(2)], meta('t5-b')),
    ]);
    expect(fresh.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const version = (await store.load(subject)).lastSeq;
    const typed = await Promise.allSettled([
      store.append(subject, version, [inc(3)], meta('t5-c')),
      store.append(subject, version, [closed(4)], meta('t5-d')),
    ]);
    expect(typed.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await store.load(subject)).events).toHaveLength(2);
  });

  it('refuses an event type that cannot be a subject token, storing nothing', async () => {
    const typedStore = new EventStore<{ type: string }>({ nc, naming, stream: decl, parse: (raw) => raw as { type: string } });
    const before = await messages();
    await expect(typedStore.append(store.subject('counter', 'f1', 'a6'), 0, [{ type: 'bad.type' }], meta('t6'))).rejects.toThrow(
      /invalid-event-type/,
    );
    expect(await messages()).toBe(before);
  });
});
