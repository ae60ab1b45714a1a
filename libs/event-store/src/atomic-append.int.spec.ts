import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { testEnv } from '@keelson/testing';
import type { EventMetadata, EventStore, StreamDeclaration } from './index.js';
import { inc, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore } from './test-fixtures/counter-store.js';

// The events of one decision must land together or not at all. Keelson uses JetStream atomic batch
// publish for multi-event decisions; these tests prove it on the pinned server.
const decl: StreamDeclaration = { name: 'EV_ATOMIC', subjects: ['ev.atomic.>'], description: 'atomic append tests' };
const meta = (commandId: string): EventMetadata => ({ actor: { kind: 'service', id: 'test' }, correlationId: commandId, commandId });

describe('atomic multi-event append', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: EventStore<CounterEvent>;
  let streamName: string;

  beforeAll(async () => ({ nc, jsm, store, streamName } = await openCounterStore(decl)));
  afterAll(() => nc.close());

  const messages = async () => (await jsm.streams.info(streamName)).state.messages;

  it('runs on a server that supports atomic batches', () => {
    const version = nc.info!.version.split('.').map(Number);
    expect(version[0]! * 100 + version[1]!).toBeGreaterThanOrEqual(212);
    expect(testEnv().natsBinary).toContain('nats-server-');
  });

  it('stores every event of a decision, contiguously and in order', async () => {
    const subject = store.subject('atomic', 'f1', 'a1');
    const result = await store.append(subject, 0, [inc(1), inc(2), inc(3)], meta('batch-1'));
    expect(result!.lastSeq - result!.firstSeq).toBe(2);
    const loaded = await store.load(subject);
    expect(loaded.events.map((r) => r.seq)).toEqual([result!.firstSeq, result!.firstSeq + 1, result!.lastSeq]);
    expect(loaded.events.map((r) => r.event)).toEqual([inc(1), inc(2), inc(3)]);
    expect(loaded.events.map((r) => r.meta.commandId)).toEqual(['batch-1', 'batch-1', 'batch-1']);
  });

  it('stores none of a decision whose expected sequence is stale', async () => {
    const subject = store.subject('atomic', 'f1', 'a2');
    await store.append(subject, 0, [inc(1)], meta('base-2'));
    const before = await messages();
    await expect(store.append(subject, 0, [inc(7), inc(8), inc(9)], meta('stale-2'))).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await messages()).toBe(before);
    expect((await store.load(subject)).events.map((r) => r.event)).toEqual([inc(1)]);
  });

  it('lets exactly one of two racing multi-event decisions land, whole', async () => {
    const subject = store.subject('atomic', 'f1', 'a3');
    const results = await Promise.allSettled([
      store.append(subject, 0, [inc(1), inc(1)], meta('race-x')),
      store.append(subject, 0, [inc(2), inc(2), inc(2)], meta('race-y')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const events = (await store.load(subject)).events.map((r) => r.event);
    expect([
      [inc(1), inc(1)],
      [inc(2), inc(2), inc(2)],
    ]).toContainEqual(events);
  });

  it('stores a retried multi-event decision once', async () => {
    const subject = store.subject('atomic', 'f1', 'a4');
    await store.append(subject, 0, [inc(4), inc(5)], meta('retry-4'));
    const before = await messages();
    const stale = await store.append(subject, 0, [inc(4), inc(5)], meta('retry-4'));
    const { lastSeq } = await store.load(subject);
    const current = await store.append(subject, lastSeq, [inc(4), inc(5)], meta('retry-4'));
    expect(stale!.duplicate).toBe(true);
    expect(current!.duplicate).toBe(true);
    expect(await messages()).toBe(before);
  });

  it('stores a decision of 1000 events (a creation of 400,000 devices in chunks), and refuses 1001 whole', async () => {
    const subject = store.subject('atomic', 'f1', 'a5');
    const result = await store.append(
      subject,
      0,
      Array.from({ length: 1000 }, (_, i) => inc(i + 1)),
      meta('large-5'),
    );
    expect(result!.lastSeq - result!.firstSeq).toBe(999);
    const other = store.subject('atomic', 'f1', 'a6');
    const before = await messages();
    await expect(
      store.append(
        other,
        0,
        Array.from({ length: 1001 }, (_, i) => inc(i + 1)),
        meta('too-large-6'),
      ),
    ).rejects.toThrow();
    expect(await messages()).toBe(before);
  });
});
