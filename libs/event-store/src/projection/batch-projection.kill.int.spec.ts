import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testEnv, testNamespace, type TestDatabase } from '@keelson/testing';
import { applyStreams, EventStore, type StreamDeclaration } from '../index.js';
import { inc, parseCounterEvent, type CounterEvent } from '../test-fixtures/counter.js';

// The process under test runs the built libraries (dist/): build before running this spec.
const processFile = fileURLToPath(new URL('../test-fixtures/batch-totals-process.ts', import.meta.url));
const decl: StreamDeclaration = { name: 'EV_KILL', subjects: ['ev.counter.>'], description: 'kill tests' };

interface ProjectionProcess {
  child: ChildProcess;
  /** Every JSON line it printed, in order. */
  lines: unknown[];
  exited: Promise<NodeJS.Signals | number | null>;
}

describe('a batch projection whose process is SIGKILLed in the middle of a batch', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<CounterEvent>;
  let n = 0;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [decl]);
    store = new EventStore({ nc, naming, stream: decl, parse: parseCounterEvent });
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  });

  function startProcess(table: string, kill: Record<string, string> = {}): Promise<ProjectionProcess> {
    const env = testEnv();
    const child = spawn(process.execPath, [processFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        KEELSON_NATS_URL: env.natsUrl,
        KEELSON_NATS_USER: env.natsUser,
        KEELSON_NATS_PASS: env.natsPass,
        KEELSON_DATABASE_URL: tdb.url,
        KEELSON_STREAM_PREFIX: naming.streamPrefix,
        KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
        KEELSON_TABLE: table,
        KEELSON_BATCH_SIZE: '10',
        ...kill,
      },
    });
    const lines: unknown[] = [];
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    return new Promise((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(JSON.parse(line));
        if (lines.length === 1) resolve({ child, lines, exited });
      });
      void exited.then((how) => reject(new Error(`the projection process ended before it started: ${String(how)}`)));
    });
  }

  /** Appends `count` increments of 1..count over three subjects, one event per message. */
  async function appendIncrements(id: string, count: number): Promise<number> {
    const seqs = new Map<string, number>();
    for (let i = 1; i <= count; i++) {
      const subject = store.subject('counter', id.replaceAll('_', '-'), `c${i % 3}`); // the table names the fleet: its process follows only it
      const meta = { actor: { kind: 'system' as const, id: 'spec' }, correlationId: 'c', commandId: `cmd-${++n}` };
      seqs.set(subject, (await store.append(subject, seqs.get(subject) ?? (await store.load(subject)).lastSeq, [inc(i)], meta))!.lastSeq);
    }
    return (count * (count + 1)) / 2;
  }

  /** Kills the projection at `step` of its second batch, restarts it, and checks every event counted exactly once. */
  async function killedAndRestarted(table: string, step: 'batch-written' | 'batch-committed') {
    await db.query(
      `CREATE TABLE ${table} (subject text PRIMARY KEY, total int NOT NULL); CREATE TABLE ${table}_applied (seq bigint NOT NULL)`,
    );
    const sum = await appendIncrements(table, 30);
    const total = async () => Number((await db.query<{ s: string | null }>(`SELECT sum(total) AS s FROM ${table}`))[0]!.s ?? 0);

    const armed = await startProcess(table, { KEELSON_KILL_AT: step, KEELSON_KILL_BATCH: '2' });
    expect(await armed.exited).toBe('SIGKILL');
    expect(armed.lines.at(-1)).toEqual({ killedAt: step });
    const atKill = await total();
    expect(atKill).toBeGreaterThan(0); // the first batch was committed ...
    expect(atKill).toBeLessThan(sum); // ... and not everything

    const restarted = await startProcess(table);
    await eventually(async () => (await total()) >= sum);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(await total()).toBe(sum);
    const applied = await db.query<{ seq: string; times: string }>(
      `SELECT seq, count(*) AS times FROM ${table}_applied GROUP BY seq HAVING count(*) > 1`,
    );
    expect(applied).toEqual([]);
    expect(Number((await db.query<{ c: string }>(`SELECT count(*) AS c FROM ${table}_applied`))[0]!.c)).toBe(30);
  }

  it('loses nothing when killed with a batch written and not committed: the batch comes again and applies once', async () => {
    await killedAndRestarted('kill_written', 'batch-written');
  }, 90_000);

  it('applies nothing twice when killed with a batch committed and not acknowledged: the redelivery changes nothing', async () => {
    await killedAndRestarted('kill_committed', 'batch-committed');
  }, 90_000);
});
