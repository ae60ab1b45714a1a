import { jetstreamManager } from '@nats-io/jetstream';
import { connectTestNats, eventually } from '@keelson/testing';
import { ReactorRunner, type Reactor, type RecordedEvent } from '../index.js';
import { ACK_WAIT_MS } from '../batch-heartbeat.js';
import type { CounterEvent } from '../test-fixtures/counter.js';
import { byOf, reactorStream, ReactorTestbed } from '../test-fixtures/counter-reactors.js';

// A slow handler keeps what it holds (the batch heartbeat); a vanished process's messages go to another runner.
describe('ReactorRunner past the ack wait', () => {
  let t: ReactorTestbed;
  beforeAll(async () => (t = await ReactorTestbed.create()));
  afterAll(() => t.close());

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
    const [slow, other] = [t.runner('c', handle), t.runner('c', handle)];
    await t.appendAll('c', 1, 2, 3);
    await slow.start();
    await eventually(() => slowStarted);
    // Another replica pulls all along: whatever the server redelivers while the batch is held goes to it.
    await other.start();
    await eventually(() => seen.length >= 3, ACK_WAIT_MS + 10_000);
    // A later event: once it is handled, and both runners finished what they hold, all was handed over.
    await t.appendAll('c', 4);
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
    const [slow, other] = [t.runner('k', handle), t.runner('k', handle)];
    await t.appendAll('k', 1);
    await slow.start();
    await eventually(() => slowStarted);
    await other.start();
    // Event 2 arrives while 1 is in hand; the other replica pulls all along.
    await t.appendAll('k', 2);
    await eventually(() => seen.length >= 2, ACK_WAIT_MS + 10_000);
    await t.appendAll('k', 3);
    await eventually(() => seen.includes(3));
    await Promise.all([slow.stop(), other.stop()]);
    expect(seen).toEqual([1, 2, 3]);
  }, 60_000);

  it('hands the messages a vanished process held to another one within a few ack waits', async () => {
    const crashedNc = await connectTestNats();
    const handedOver = new Promise<void>((resolve) => {
      const reactor: Reactor<CounterEvent> = {
        name: 'd',
        stream: reactorStream,
        filterSubjects: ['ev.counter.f.d'],
        parse: (raw) => raw as CounterEvent,
        handle: () => (resolve(), new Promise<void>(() => undefined)),
      };
      void new ReactorRunner({ nc: crashedNc, naming: t.s.naming, reactor }).start();
    });
    await t.appendAll('d', 7);
    await handedOver;
    await crashedNc.close(); // the process is gone: no ack, no heartbeat
    // The server redelivers, on its own clock, once the consumer's ack wait lapses: that short wait is
    // what hands a vanished process's message over within seconds; the survivor holds it as a redelivery.
    const seen: { by: number; redelivered: number; ackWait: number | undefined }[] = [];
    const survivor = t.runner('d', async (rec) => {
      const { num_redelivered, config } = await (await jetstreamManager(t.s.nc)).consumers.info(`${t.s.streamName}`, survivor.consumerName);
      seen.push({ by: rec.event.type === 'Incremented' ? rec.event.data.by : 0, redelivered: num_redelivered, ackWait: config.ack_wait });
    });
    await survivor.start();
    await eventually(() => seen.length === 1, ACK_WAIT_MS * 3);
    await survivor.stop();
    expect(seen).toEqual([{ by: 7, redelivered: 1, ackWait: ACK_WAIT_MS * 1_000_000 }]);
  }, 60_000);
});
