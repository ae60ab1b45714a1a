import { AckPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import type { StreamDeclaration } from './index.js';
import { ACK_WAIT_MS, AT_RISK_MS, holdMessages } from './batch-heartbeat.js';
import { openCounterStore, type CounterStore } from './test-fixtures/counter-store.js';
import { inc } from './test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_HELD', subjects: ['ev.counter.>'], description: 'held messages tests' };
const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `cmd-${n}` });

describe('holdMessages', () => {
  let s: CounterStore;
  let n = 0;
  beforeAll(async () => {
    s = await openCounterStore(decl);
  });
  afterAll(() => s.nc.close());

  /** Appends `count` events and receives them from a consumer of its own: real messages to hold. */
  async function received(name: string, count: number): Promise<JsMsg[]> {
    const subject = s.store.subject('counter', name, 'x');
    for (let i = 0; i < count; i++) await s.store.append(subject, (await s.store.load(subject)).lastSeq, [inc(1)], meta(++n));
    await s.jsm.consumers.add(s.streamName, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ACK_WAIT_MS * 1_000_000,
      filter_subject: `${s.naming.subjectPrefix}ev.counter.${name}.>`,
    });
    const batch = await (await jetstream(s.nc).consumers.get(s.streamName, name)).fetch({ max_messages: count, expires: 1_000 });
    const msgs: JsMsg[] = [];
    for await (const m of batch) msgs.push(m);
    return msgs;
  }

  /** What the runner's connection sends back for the consumer's messages (`+WPI`, `+ACK`, ...), in order. */
  async function tap(name: string, during: () => void): Promise<string[]> {
    const sent: string[] = [];
    const sub = s.nc.subscribe(`$JS.ACK.${s.streamName}.${name}.>`, {
      callback: (_, m) => void sent.push(`${m.subject.split('.')[5]}:${m.string()}`),
    });
    await s.nc.flush();
    during();
    await s.nc.flush();
    sub.unsubscribe();
    return sent;
  }

  it('tells the server about a held message only once its ack wait is at risk, and again each time it is at risk anew', async () => {
    const [early, late] = await received('risk', 2);
    let now = 0;
    const held = holdMessages(() => now);
    held.hold(early!);
    now = 1_000;
    held.hold(late!);
    try {
      // Received moments ago: a heartbeat would be one more message for nothing.
      expect(await tap('risk', () => held.keepAtRisk())).toEqual([]);
      now = AT_RISK_MS;
      expect(await tap('risk', () => held.keepAtRisk())).toEqual([`${early!.seq}:+WPI`]);
      now = AT_RISK_MS + 1_000;
      expect(await tap('risk', () => held.keepAtRisk())).toEqual([`${late!.seq}:+WPI`]);
      now = AT_RISK_MS + 1_500;
      expect(await tap('risk', () => held.keepAtRisk())).toEqual([]); // both told less than AT_RISK_MS ago
      now = 2 * AT_RISK_MS + 2_000;
      expect(await tap('risk', () => held.keepAtRisk())).toEqual([`${early!.seq}:+WPI`, `${late!.seq}:+WPI`]);
    } finally {
      held.release();
    }
  });

  it('leaves a settled message alone', async () => {
    const [m] = await received('settled', 1);
    let now = 0;
    const held = holdMessages(() => now);
    held.hold(m!);
    held.settled(m!);
    now = ACK_WAIT_MS;
    try {
      expect(await tap('settled', () => held.keepAtRisk())).toEqual([]);
    } finally {
      held.release();
    }
  });
});
