import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, type StreamDeclaration } from '@keelson/event-store';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import { startReplica as startProcess, tookLease, type Replica } from '../test-fixtures/lease-replica.js';

// Two replicas of one projection or reactor, each a process of its own running the built library (`npm run build` first).
const processFile = fileURLToPath(new URL('../test-fixtures/lease-projection-process.ts', import.meta.url));

describe('a projection or a reactor with two replicas, single-active under a lease', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    nc = await connectTestNats();
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await db.close();
    await nc.close();
    await tdb.drop();
  });

  async function startReplica(table: string, stream: StreamDeclaration, extra: Record<string, string> = {}): Promise<Replica> {
    const replica = await startProcess(processFile, {
      KEELSON_DATABASE_URL: tdb.url,
      KEELSON_STREAM_PREFIX: naming.streamPrefix,
      KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
      KEELSON_TABLE: table,
      KEELSON_STREAM: stream.name,
      ...extra,
    });
    children.push(replica.child);
    return replica;
  }

  async function prepare(name: string): Promise<StreamDeclaration> {
    const stream: StreamDeclaration = {
      name: `EV_${name.toUpperCase()}`,
      subjects: [`ev.lease.${name}.>`],
      description: 'lease kill tests',
    };
    await applyStreams(await jetstreamManager(nc), naming, [stream]);
    await db.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, seq bigint NOT NULL, holder text NOT NULL)`);
    return stream;
  }

  async function publish(name: string, count: number): Promise<void> {
    const js = jetstream(nc);
    for (let i = 1; i <= count; i++)
      await js.publish(
        `${naming.subjectPrefix}ev.lease.${name}.s${i % 4}`,
        JSON.stringify({ type: 'Tick', schemaVersion: 1, data: { i } }),
      );
  }

  const rows = async (table: string) =>
    (await db.query<{ seq: string; holder: string }>(`SELECT seq, holder FROM ${table} ORDER BY id`)).map((r) => ({
      seq: Number(r.seq),
      holder: r.holder,
    }));
  const byHolder = async (table: string, holder: string) => (await rows(table)).filter((r) => r.holder === holder).length;
  const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('hands the work to the standby within 10 s of the holder being SIGKILLed, every event applied once', async () => {
    const stream = await prepare('lease_kill');
    const a = await startReplica('lease_kill', stream, { KEELSON_APPLY_MS: '10' });
    await a.says(tookLease);
    const b = await startReplica('lease_kill', stream, { KEELSON_APPLY_MS: '10' });
    const total = 300;
    await publish('lease_kill', total);
    await eventually(async () => (await byHolder('lease_kill', a.holder)) >= 40, { ms: 20_000, what: 'the holder applied 40 events' });
    expect(await byHolder('lease_kill', b.holder)).toBe(0); // the standby stood by
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await once(a.child, 'exit');
    await b.says(tookLease);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(10_000);
    // The killed holder's unacknowledged batch comes back once its ack wait (10 s) lapses.
    await eventually(async () => (await rows('lease_kill')).length >= total, { ms: 40_000, what: 'every event applied' });
    await new Promise((r) => setTimeout(r, 500));
    const applied = await rows('lease_kill');
    expect(applied.map((r) => r.seq)).toEqual(oneToN(total));
    expect(applied.filter((r) => r.holder === b.holder).length).toBeGreaterThan(0);
    b.child.kill('SIGTERM');
    await once(b.child, 'exit');
  }, 90_000);

  it('lets a holder frozen past its lease (SIGSTOP, then SIGCONT) write nothing after the standby took over', async () => {
    const stream = await prepare('lease_stop');
    const pauseAt = 35; // in the fourth batch: its transaction is open when the holder is frozen
    const a = await startReplica('lease_stop', stream, { KEELSON_APPLY_MS: '5', KEELSON_PAUSE_AT: String(pauseAt) });
    await a.says(tookLease);
    const b = await startReplica('lease_stop', stream, { KEELSON_APPLY_MS: '5' });
    const total = 120;
    await publish('lease_stop', total);
    await a.says((l) => l.paused === pauseAt);
    a.child.kill('SIGSTOP');
    const before = await byHolder('lease_stop', a.holder);
    await b.says(tookLease);
    await eventually(async () => (await rows('lease_stop')).length >= total, { ms: 40_000, what: 'every event applied by the new holder' });
    expect(await byHolder('lease_stop', a.holder)).toBe(before);
    a.child.kill('SIGCONT'); // it wakes inside its open transaction, then its runner goes on
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await byHolder('lease_stop', a.holder)).toBe(before);
    expect((await rows('lease_stop')).map((r) => r.seq)).toEqual(oneToN(total));
    // Both stop gracefully, the stale one too: its pool lost the connection PostgreSQL ended under it.
    const stoppedIn = async (r: Replica) => {
      const t = Date.now();
      r.child.kill('SIGTERM');
      const [code] = (await Promise.race([
        once(r.child, 'exit'),
        new Promise((res) => setTimeout(() => res(['hung']), 10_000)),
      ])) as unknown[];
      return { code, ms: Date.now() - t };
    };
    const [stale, holder] = await Promise.all([stoppedIn(a), stoppedIn(b)]);
    expect({ stale: stale.code, holder: holder.code }).toEqual({ stale: 0, holder: 0 });
    expect(stale.ms).toBeLessThan(5_000);
  }, 90_000);

  it('lets the standby reactor handle every event within 10 s of the holder being frozen (SIGSTOP), and the frozen one nothing after', async () => {
    const stream = await prepare('react_stop');
    const pauseAt = 35;
    const reactor = { KEELSON_RUNNER: 'reactor', KEELSON_APPLY_MS: '5' };
    const a = await startReplica('react_stop', stream, { ...reactor, KEELSON_PAUSE_AT: String(pauseAt) });
    await a.says(tookLease);
    const b = await startReplica('react_stop', stream, reactor);
    const total = 120;
    await publish('react_stop', total);
    await a.says((l) => l.paused === pauseAt);
    a.child.kill('SIGSTOP'); // its pull requests and its unacknowledged batch stay with the server
    const stoppedAt = Date.now();
    const before = await byHolder('react_stop', a.holder);
    const handled = async () => new Set((await rows('react_stop')).map((r) => r.seq));
    await eventually(async () => (await handled()).size >= total, { ms: 30_000, what: 'every event handled' });
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(10_000);
    expect([...(await handled())].sort((x, y) => x - y)).toEqual(oneToN(total)); // at least once; the frozen batch's handled ones twice
    a.child.kill('SIGCONT'); // it finds its lease lapsed before the next message
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await byHolder('react_stop', a.holder)).toBe(before);
    a.child.kill('SIGKILL');
    b.child.kill('SIGTERM');
    await Promise.all([once(a.child, 'exit'), once(b.child, 'exit')]);
  }, 60_000);
});
