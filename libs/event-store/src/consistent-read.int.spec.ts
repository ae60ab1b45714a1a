import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsCluster, type RunningNatsCluster } from '@keelson/local-infra';
import { eventually, testNamespace } from '@keelson/testing';
import { applyStreams, EventStore, handleCommand, StaleReadError, type StreamDeclaration } from './index.js';
import { counter, inc, parseCounterEvent, type CounterEvent } from './test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_CONSISTENT', subjects: ['ev.counter.>'], description: 'reads on a replicated stream' };
const meta = (id: string) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: id });
/** Writes each read right after through another node. */
const rounds = 150;

// A replicated stream's direct gets are answered by followers too (consistent-read.ts), and a follower
// answers from what it has applied: a read right after a write may miss it. Whatever replica answers,
// a command decides on the newest state and a caller reads its own writes.
describe('reads of a stream kept in three replicas', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-consistent-'));
  const user = { user: 'u', password: 'p' };
  const naming = testNamespace();
  let cluster: RunningNatsCluster;
  const ncs: NatsConnection[] = [];
  /** One store per node, each connected to that node alone. */
  let stores: EventStore<CounterEvent>[];

  beforeAll(async () => {
    const binary = process.env.KEELSON_TEST_NATS_BINARY;
    if (!binary) throw new Error('KEELSON_TEST_NATS_BINARY is not set: run this spec in the integration project');
    cluster = await startNatsCluster({
      binary,
      dir,
      nodes: 3,
      name: 'cr',
      host: '127.0.0.1',
      users: [user],
      systemUser: { user: 'sys', password: 's' },
    });
    for (const url of cluster.urls) ncs.push(await connect({ servers: url, user: user.user, pass: user.password }));
    await applyStreams(await jetstreamManager(ncs[0]!), naming, [decl], { replicas: 3 });
    stores = ncs.map((nc) => new EventStore({ nc, naming, stream: decl, parse: parseCounterEvent }));
    // A new stream's followers join its direct gets on a 2 s tick once current: until then its leader answers every read.
    const directGets = `$JS.API.DIRECT.GET.${naming.streamPrefix}${decl.name}`;
    await eventually('every replica answers direct gets', async () => {
      const serving = await Promise.all(
        cluster.nodes.map(async (n) => {
          const subsz = (await (await fetch(`${n.monitorUrl}/subsz?subs=1&test=${encodeURIComponent(directGets)}`)).json()) as {
            subscriptions_list?: { subject: string }[];
          };
          return (subsz.subscriptions_list ?? []).some((sub) => sub.subject === directGets);
        }),
      );
      return serving.every(Boolean) ? true : undefined;
    });
  }, 90_000);

  afterAll(async () => {
    for (const nc of ncs) await nc.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const subject = (name: string) => stores[0]!.subject('counter', 'default', name);

  /**
   * Writes through the first node and reads right after through the others, `rounds` times: a follower
   * answers some of those reads before it applied the write (5–10 % of them on this machine).
   */
  async function writeThenRead<T>(
    name: string,
    write: (writer: EventStore<CounterEvent>, subject: string) => Promise<number>,
    read: (reader: EventStore<CounterEvent>, subject: string, seq: number) => Promise<T>,
  ): Promise<T[]> {
    const results: T[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = subject(`${name}-${i}`);
      const seq = await write(stores[0]!, s);
      results.push(await read(stores[1 + (i % 2)]!, s, seq));
    }
    return results;
  }

  it('refuses a command only on the newest state', async () => {
    const refused = await writeThenRead(
      'refuse',
      async (writer, s) => (await writer.append(s, 0, [inc(3)], meta(`inc-${s}`)))!.lastSeq,
      // "Close" is refused below the limit: on a read that missed the increment the counter is at 0.
      (reader, s) =>
        handleCommand({ store: reader, subject: s, decider: counter, command: { type: 'Close', limit: 3 }, meta: meta(`close-${s}`) }).then(
          () => undefined,
          (err: Error) => `${s}: ${err.message}`,
        ),
    );
    expect(refused.filter(Boolean)).toEqual([]);
  }, 60_000);

  it('answers "nothing to do" only on the newest state', async () => {
    const outcomes = await writeThenRead(
      'noop',
      async (writer, s) => (await writer.append(s, 0, [inc(2)], meta(`inc-${s}`)))!.lastSeq,
      // At its limit the counter closes; a read that missed the increment sees nothing to close.
      async (reader, s) => {
        const command = { type: 'CloseIfReached' as const, limit: 2 };
        const outcome = await handleCommand({ store: reader, subject: s, decider: counter, command, meta: meta(`close-${s}`) });
        return { subject: s, closed: outcome.events.length === 1 };
      },
    );
    expect(outcomes.filter((o) => !o.closed)).toEqual([]);
  }, 60_000);

  it("reads its own writes, and the leader's newest event when asked for it", async () => {
    const reads = await writeThenRead(
      'read',
      async (writer, s) => (await writer.append(s, 0, [inc(1)], meta(`read-${s}`)))!.lastSeq,
      async (reader, s, seq) => {
        const own = await reader.load(s, 0, { through: seq });
        const latest = await reader.load(s, 0, { latest: true });
        return { subject: s, seq, through: own.lastSeq, latest: latest.lastSeq };
      },
    );
    expect(reads.filter((r) => r.through !== r.seq || r.latest !== r.seq)).toEqual([]);
  }, 60_000);

  it('gives up on a sequence no replica reaches with StaleReadError, a broker briefly unavailable', async () => {
    const s = subject('never');
    const appended = (await stores[0]!.append(s, 0, [inc(1)], meta('never')))!;
    // the stream's replicas all have it (the read below asks for far more), whichever answers
    const started = Date.now();
    await expect(stores[1]!.load(s, 0, { through: appended.lastSeq + 1_000 })).rejects.toBeInstanceOf(StaleReadError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000); // it waited for the replica before giving up
  }, 30_000);
});
