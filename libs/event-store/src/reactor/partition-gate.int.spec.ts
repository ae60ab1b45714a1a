import { AckPolicy, jetstream, type JsMsg } from '@nats-io/jetstream';
import type { StreamDeclaration } from '../index.js';
import { ACK_WAIT_MS } from '../batch-heartbeat.js';
import { openCounterStore, type CounterStore } from '../test-fixtures/counter-store.js';
import { inc } from '../test-fixtures/counter.js';
import { PartitionGate } from './partition-gate.js';

const decl: StreamDeclaration = { name: 'EV_GATE', subjects: ['ev.counter.>'], description: 'partition gate tests' };
const meta = (n: number) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: `cmd-${n}` });

describe('PartitionGate', () => {
  let s: CounterStore;
  let n = 0;
  beforeAll(async () => {
    s = await openCounterStore(decl);
  });
  afterAll(() => s.nc.close());

  /** Appends to each counter in turn and receives them from a consumer of its own: real messages to give back. */
  async function received(name: string, ...ids: string[]): Promise<Map<string, JsMsg>> {
    for (const id of ids) {
      const subject = s.store.subject('counter', name, id.split(':')[0]!);
      await s.store.append(subject, (await s.store.load(subject)).lastSeq, [inc(1)], meta(++n));
    }
    await s.jsm.consumers.add(s.streamName, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${s.naming.subjectPrefix}ev.counter.${name}.>`,
    });
    const batch = await (await jetstream(s.nc).consumers.get(s.streamName, name)).fetch({ max_messages: ids.length, expires: 1_000 });
    const msgs = new Map<string, JsMsg>();
    for await (const m of batch) msgs.set(ids[msgs.size]!, m);
    return msgs;
  }

  it('lets a key with messages given back through only in stream order, and never holds up another key', async () => {
    const m = await received('order', 'a:1', 'a:2', 'a:3', 'b:1');
    const gate = new PartitionGate(50);
    gate.retryLater('a', m.get('a:1')!);
    expect(gate.admit('a', m.get('a:3')!)).toBe(false); // given back in turn, remembered
    expect(gate.admit('a', m.get('a:2')!)).toBe(false);
    expect(gate.admit('b', m.get('b:1')!)).toBe(true);
    expect(gate.admit('a', m.get('a:1')!)).toBe(true);
    expect(gate.admit('a', m.get('a:3')!)).toBe(false); // 2 is still out
    expect(gate.admit('a', m.get('a:2')!)).toBe(true);
    expect(gate.admit('a', m.get('a:3')!)).toBe(true);
    expect(gate.admit('a', m.get('a:1')!)).toBe(true); // nothing remembered: a repeat passes
  });

  it('forgets a message given back that has not come back an ack wait after its retry delay', async () => {
    const m = await received('lost', 'a:1', 'a:2');
    let now = 0;
    const gate = new PartitionGate(50, () => now);
    gate.retryLater('a', m.get('a:1')!);
    now = 50 + ACK_WAIT_MS;
    expect(gate.admit('a', m.get('a:2')!)).toBe(false);
    now += 1;
    expect(gate.admit('a', m.get('a:2')!)).toBe(true);
  });

  it('gives a refused message back until just after the lowest one given back is due, not sooner', async () => {
    const m = await received('due', 'a:1', 'a:2');
    const naks: string[] = [];
    const sub = s.nc.subscribe(`$JS.ACK.${s.streamName}.due.>`, { callback: (_, msg) => void naks.push(msg.string()) });
    let now = 0;
    const gate = new PartitionGate(1_000, () => now);
    gate.retryLater('a', m.get('a:1')!);
    now = 200;
    expect(gate.admit('a', m.get('a:2')!)).toBe(false);
    await s.nc.flush();
    sub.unsubscribe();
    // 800 ms until a:1 is due, and 100 ms for it to be handled first.
    expect(naks).toEqual([`-NAK {"delay":${1_000 * 1_000_000}}`, `-NAK {"delay":${900 * 1_000_000}}`]);
  });

  it('gives back with a whole number of milliseconds on a clock with fractions, which the server accepts', async () => {
    const m = await received('fraction', 'a:1', 'a:2');
    const naks: string[] = [];
    const sub = s.nc.subscribe(`$JS.ACK.${s.streamName}.fraction.>`, { callback: (_, msg) => void naks.push(msg.string()) });
    // performance.now() has fractions; nats.js sends millis times 1e6 as it is, and the server refuses a
    // delay such as 1026817115.789 ns ("bad NAK delay value"): the message then waits for its ack wait.
    let now = 1_000.123456789;
    const gate = new PartitionGate(1_000, () => now);
    gate.retryLater('a', m.get('a:1')!);
    now = 1_073.306341;
    expect(gate.admit('a', m.get('a:2')!)).toBe(false);
    await s.nc.flush();
    sub.unsubscribe();
    expect(naks).toEqual([`-NAK {"delay":${1_000 * 1_000_000}}`, `-NAK {"delay":${1_027 * 1_000_000}}`]);
  });
});
