import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AckPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectTestNats, eventually } from '@keelson/testing';
import type { StreamDeclaration } from './index.js';
import { ACK_WAIT_MS } from './batch-heartbeat.js';
import { MessageSource, PULL_EXPIRES_MS } from './message-source.js';
import { openCounterStore, type CounterStore } from './test-fixtures/counter-store.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const decl: StreamDeclaration = { name: 'EV_SOURCE_MEM', subjects: ['ev.counter.>'], description: 'message source memory tests' };

/** ArrayBuffer bytes still reachable after two full collections. */
async function liveArrayBuffers(): Promise<number> {
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
  return process.memoryUsage().arrayBuffers;
}

describe('MessageSource and the memory of the messages it holds', () => {
  let s: CounterStore;
  let publisher: NatsConnection;
  beforeAll(async () => {
    [s, publisher] = await Promise.all([openCounterStore(decl), connectTestNats()]);
  });
  afterAll(() => Promise.all([s.nc.close(), publisher.close()]));

  /** Waits until the server counts `n` messages of the consumer delivered and not acknowledged. */
  async function untilPending(n: number): Promise<void> {
    for (let tries = 0; (await s.jsm.consumers.info(s.streamName, 'mem')).num_ack_pending !== n; tries++) {
      if (tries > 500) throw new Error(`never ${n} messages pending`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('keeps no read chunk alive for the messages waiting on a handler: only their own bytes', async () => {
    const events = 100;
    const padBytes = 96 * 1024;
    const subject = s.store.subject('counter', 'mem', 'x');
    const pad = `${s.naming.subjectPrefix}pad`;
    // Other traffic on the runner's connection, dropped at once: the small events arrive in read chunks full of it.
    let padsSeen = 0;
    s.nc.subscribe(pad, { callback: () => void padsSeen++ });
    const statuses: string[] = []; // disconnects, reconnects, server errors on the runner's connection
    void (async () => {
      for await (const st of s.nc.status())
        if (st.type !== 'ping') statuses.push(st.type === 'error' ? `error: ${st.error.message}` : st.type);
    })();
    await s.jsm.consumers.add(s.streamName, {
      durable_name: 'mem',
      ack_policy: AckPolicy.Explicit,
      ack_wait: ACK_WAIT_MS * 1_000_000,
      filter_subject: subject,
    });
    const src = new MessageSource(await jetstream(s.nc).consumers.get(s.streamName, 'mem'), {
      batchSize: 200,
      pullExpiresMs: PULL_EXPIRES_MS,
      retryDelayMs: 50,
    });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const seen: { seq: number; subject: string; body: string }[] = [];
    const running = src.run(async (batch) => {
      await released; // the first batch in hand, every later message waiting its turn
      for (const m of batch) {
        seen.push({ seq: m.seq, subject: m.subject, body: m.string() });
        m.ack();
      }
    });
    await s.nc.flush();
    const before = await liveArrayBuffers();

    const js = jetstream(publisher);
    for (let i = 0; i < events; i++) {
      publisher.publish(pad, new Uint8Array(padBytes));
      await js.publish(subject, `event ${i}`); // one at a time: each event reaches the runner in a read of its own
    }
    await untilPending(events);
    await s.nc.flush(); // every pad and delivery the server sent before its PONG is read and handed on
    // Core messages are at most once: a pad can only be missing if the connection was cut (CI once saw it).
    expect({ padsSeen, connection: statuses }).toEqual({ padsSeen: events, connection: [] });
    const held = (await liveArrayBuffers()) - before;

    release();
    await eventually(() => seen.length === events, 20_000);
    src.stop();
    await running;
    // Copied messages read and acknowledge as the originals: in order, whole, none left pending.
    expect(seen).toEqual(Array.from({ length: events }, (_, i) => ({ seq: i + 1, subject, body: `event ${i}` })));
    await untilPending(0);
    // Holding views kept one read chunk (up to 64 KiB) per waiting event, 3.4 MB here; their own bytes ~6 KB.
    expect(held).toBeLessThan(1024 * 1024);
  });
});
