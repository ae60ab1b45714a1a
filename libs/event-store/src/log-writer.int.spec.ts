import type { NatsConnection } from '@nats-io/transport-node';
import type { EventMetadata, EventStore, StreamDeclaration } from './index.js';
import { LogWriter } from './log-writer.js';
import { inc, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore } from './test-fixtures/counter-store.js';

// Refusal logs append bursts of events to one subject with optimistic concurrency: none may be lost.
const decl: StreamDeclaration = { name: 'EV_LOGWRITER', subjects: ['ev.log.>'], description: 'log writer tests' };
const meta = (commandId: string): EventMetadata => ({ actor: { kind: 'service', id: 'test' }, correlationId: commandId, commandId });
const amounts = (events: { event: CounterEvent }[]) => events.map((r) => (r.event.type === 'Incremented' ? r.event.data.by : -1));

describe('LogWriter', () => {
  let nc: NatsConnection;
  let store: EventStore<CounterEvent>;

  beforeAll(async () => ({ nc, store } = await openCounterStore(decl)));
  afterAll(() => nc.close());

  it('stores a burst of concurrent appends to one subject, every one, in the order they were handed over', async () => {
    const log = new LogWriter(nc, store);
    const subject = store.subject('log', 'f1', 'burst');
    await Promise.all(Array.from({ length: 40 }, (_, i) => log.append(subject, inc(i + 1), meta(`burst-${i}`))));
    expect(amounts((await store.load(subject)).events)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('retries a race lost to another writer (a replica), so both writers land everything', async () => {
    const [a, b] = [new LogWriter(nc, store, 50), new LogWriter(nc, store, 50)];
    const subject = store.subject('log', 'f1', 'replicas');
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).append(subject, inc(i + 1), meta(`replica-${i}`))));
    expect(amounts((await store.load(subject)).events).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("goes on after a write that failed: the failure is the caller's, the queue is not stuck", async () => {
    const log = new LogWriter(nc, store);
    const subject = store.subject('log', 'f1', 'after-failure');
    const bad = log.append(
      subject,
      { type: 'Incremented', schemaVersion: 1, data: { by: 'lots' } } as unknown as CounterEvent,
      meta('bad'),
    );
    const good = log.append(subject, inc(5), meta('good'));
    await expect(bad).rejects.toThrow();
    await good;
    await log.idle();
    expect(amounts((await store.load(subject)).events)).toEqual([5]);
  });
});
