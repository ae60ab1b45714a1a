import { jetstream, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import { replyMuxOf } from '@keelson/nats-kit';
import { appendEvents, type EventStore, type EventMetadata, type StreamDeclaration } from './index.js';
import { inc, type CounterEvent } from './test-fixtures/counter.js';
import { openCounterStore } from './test-fixtures/counter-store.js';

// Appends take their PubAck over the connection's reply mux, not nats.js's `js.publish`: the
// outcomes must stay those `js.publish` gives (same error classes, same JetStream codes).
const decl: StreamDeclaration = { name: 'EV_ACKS', subjects: ['ev.acks.>'], description: 'append acknowledgement tests' };
const meta = (commandId: string): EventMetadata => ({ actor: { kind: 'service', id: 'test' }, correlationId: commandId, commandId });
const data = (e: unknown) => new TextEncoder().encode(JSON.stringify(e));

describe('appends acknowledged over the reply mux', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: EventStore<CounterEvent>;
  let prefix: string;
  let n = 0;
  const fresh = () => store.subject('acks', 'f1', `a${++n}`);

  beforeAll(async () => {
    const opened = await openCounterStore(decl);
    ({ nc, jsm, store } = opened);
    prefix = opened.naming.subjectPrefix;
  });
  afterAll(() => nc.close());

  it('waits for its PubAck on the connection reply mux and nowhere else', async () => {
    const mux = replyMuxOf(nc);
    const pending = store.append(fresh(), 0, [inc(1)], meta(`mux-${n}`));
    expect(mux.waiting).toBe(1);
    const result = await pending;
    expect(result!.firstSeq).toBeGreaterThan(0);
    expect(result!.duplicate).toBe(false);
    expect(mux.waiting).toBe(0);
  });

  it('refuses a stale expected sequence with ConcurrencyError, caused by the code js.publish gets', async () => {
    const subject = fresh();
    await store.append(subject, 0, [inc(1)], meta(`stale-a-${n}`));
    const ours = await store.append(subject, 0, [inc(2)], meta(`stale-b-${n}`)).catch((e: unknown) => e);
    const theirs = await jetstream(nc)
      .publish(subject, data(inc(2)), { expect: { lastSubjectSequence: 0 } })
      .catch((e: unknown) => e);
    expect(ours).toBeInstanceOf(ConcurrencyError);
    const cause = (ours as ConcurrencyError).cause;
    expect(cause).toBeInstanceOf(JetStreamApiError);
    expect(theirs).toBeInstanceOf(JetStreamApiError);
    expect((cause as JetStreamApiError).code).toBe((theirs as JetStreamApiError).code);
    expect((await store.load(subject)).events).toHaveLength(1);
  });

  it('throws JetStream refusals as js.publish does (an event over the stream maximum size)', async () => {
    const name = `${store.streamName}_SMALL`;
    const subject = `${prefix}small.${n}`;
    await jsm.streams.add({ name, subjects: [`${prefix}small.>`], max_msg_size: 16 });
    const ours = await appendEvents(nc, subject, 0, [inc(123456)], meta(`small-${n}`)).catch((e: unknown) => e);
    const theirs = await jetstream(nc)
      .publish(subject, data(inc(123456)), { msgID: `small-${n}:0`, expect: { lastSubjectSequence: 0 } })
      .catch((e: unknown) => e);
    expect(theirs).toBeInstanceOf(JetStreamApiError);
    expect(ours).toBeInstanceOf(JetStreamApiError);
    expect((ours as Error).constructor).toBe((theirs as Error).constructor);
    expect((ours as JetStreamApiError).code).toBe((theirs as JetStreamApiError).code);
    expect((await jsm.streams.info(name)).state.messages).toBe(0);
    await jsm.streams.delete(name);
  });

  it('says that no stream listens as js.publish does (JetStreamNotEnabled), for one event and for several', async () => {
    const subject = `${prefix}nostream.${n}`;
    const theirs = await jetstream(nc)
      .publish(subject, data(inc(1)))
      .catch((e: unknown) => e);
    const one = await store.append(subject, 0, [inc(1)], meta(`none-1-${n}`)).catch((e: unknown) => e);
    const two = await store.append(subject, 0, [inc(1), inc(2)], meta(`none-2-${n}`)).catch((e: unknown) => e);
    expect((theirs as Error).name).toBe('JetStreamNotEnabled');
    expect((one as Error).name).toBe('JetStreamNotEnabled');
    expect((two as Error).name).toBe('JetStreamNotEnabled');
  });
});
