import { AckPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import { eventually } from '@keelson/testing';
import type { StreamDeclaration } from './index.js';
import { ACK_WAIT_MS } from './batch-heartbeat.js';
import { IDLE_HEARTBEAT_MS, MessageSource, PULL_EXPIRES_MS } from './message-source.js';
import { openCounterStore, type CounterStore } from './test-fixtures/counter-store.js';
import { inc } from './test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_SOURCE', subjects: ['ev.counter.>'], description: 'message source tests' };
const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `cmd-${n}` });

describe('MessageSource with long pulls', () => {
  let s: CounterStore;
  let n = 0;
  beforeAll(async () => {
    s = await openCounterStore(decl);
  });
  afterAll(() => s.nc.close());

  async function append(name: string): Promise<void> {
    const subject = s.store.subject('counter', name, 'x');
    await s.store.append(subject, (await s.store.load(subject)).lastSeq, [inc(1)], meta(++n));
  }

  /** A source on a durable consumer of its own, handing what it receives to `seen`, acked. */
  async function source(name: string, seen: JsMsg[]): Promise<{ stopped: Promise<void>; stop(): void }> {
    await s.jsm.consumers
      .add(s.streamName, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        ack_wait: ACK_WAIT_MS * 1_000_000,
        filter_subject: `${s.naming.subjectPrefix}ev.counter.${name}.>`,
      })
      .catch(() => undefined);
    const src = new MessageSource(await jetstream(s.nc).consumers.get(s.streamName, name), {
      batchSize: 10,
      pullExpiresMs: PULL_EXPIRES_MS,
      retryDelayMs: 50,
    });
    const stopped = src.run(async (batch) => {
      for (const m of batch) {
        seen.push(m);
        m.ack();
      }
    });
    return { stopped, stop: () => src.stop() };
  }

  /** The pull requests sent for the consumer, as the server reads them. */
  function tapPulls(name: string): { sent: Record<string, number>[]; stop(): void } {
    const sent: Record<string, number>[] = [];
    const sub = s.nc.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${s.streamName}.${name}`, { callback: (_, m) => void sent.push(m.json()) });
    return { sent, stop: () => sub.unsubscribe() };
  }

  it('asks for long pulls with idle heartbeats sized to them', async () => {
    const pulls = tapPulls('sized');
    await s.nc.flush();
    const seen: JsMsg[] = [];
    const src = await source('sized', seen);
    await eventually(() => pulls.sent.length === 1);
    src.stop();
    await src.stopped;
    pulls.stop();
    expect(pulls.sent[0]).toMatchObject({ batch: 10, expires: PULL_EXPIRES_MS * 1_000_000, idle_heartbeat: IDLE_HEARTBEAT_MS * 1_000_000 });
  });

  it(
    'stops at once, and the pull it left open on the server swallows nothing: the next source gets the event on its first delivery',
    async () => {
      const pulls = tapPulls('left');
      await s.nc.flush();
      const seen: JsMsg[] = [];
      const first = await source('left', seen);
      await eventually(() => pulls.sent.length === 1);
      first.stop();
      await first.stopped; // before the 30 s pull expires: this test's timeout is 20 s
      pulls.stop();
      // The event comes while the stopped source's pull is still waiting on the server.
      await append('left');
      const second = await source('left', seen);
      await eventually(() => seen.length === 1);
      second.stop();
      await second.stopped;
      expect(seen.map((m) => m.info.deliveryCount)).toEqual([1]); // not given back, not lost to an ack wait
    },
    PULL_EXPIRES_MS - 10_000,
  );
});
