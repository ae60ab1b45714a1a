import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testEnv, testNamespace, type TestDatabase } from '@keelson/testing';
import { applyStreams, EventStore, ProjectionRunner, type Projection, type StreamDeclaration } from '../index.js';
import { inc, parseCounterEvent, type CounterEvent } from '../test-fixtures/counter.js';

// The projection process runs from dist/ (test-fixtures/projection-process.mjs): `npm run build` first.
const processScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-fixtures', 'projection-process.mjs');
const decl: StreamDeclaration = { name: 'EV_PROJ_KILL', subjects: ['ev.counter.>'], description: 'projection kill tests' };
const table = 'kill_log';
const batchSize = 10;

async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startProjectionProcess(env: object): { child: ChildProcess; said: (line: string) => Promise<void> } {
  const child = spawn(process.execPath, [processScript], { env: { ...process.env, KILL_TEST_ENV: JSON.stringify(env) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) if (out.split('\n').includes(w.line)) w.resolve();
  });
  const said = (line: string) => new Promise<void>((resolve, reject) => {
    if (out.split('\n').includes(line)) return resolve();
    waiters.push({ line, resolve });
    child.once('exit', (code) => reject(new Error(`projection process exited (${code}) before saying "${line}"`)));
  });
  return { child, said };
}

describe('a projection process SIGKILLed in the middle of a batch', () => {
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<CounterEvent>;
  const naming = testNamespace();

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [decl]);
    store = new EventStore({ nc, naming, stream: decl, parse: parseCounterEvent });
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await db.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, seq bigint NOT NULL)`);
  });
  afterAll(async () => {
    await db.close();
    await nc.close();
    await tdb.drop();
  });

  it('loses and repeats nothing: its successor applies every event once, in stream order', async () => {
    const subjects = Array.from({ length: 6 }, (_, i) => store.subject('counter', 'k', `d${i}`));
    const perSubject = 10;
    const stallAt = 35; // a sequence in the middle of the burst; the stream is new, so it starts at 1
    const env = testEnv();
    const first = startProjectionProcess({
      natsUrl: env.natsUrl, natsUser: env.natsUser, natsPass: env.natsPass, dbUrl: tdb.url,
      naming, stream: decl, projection: table, batchSize, stallAt,
    });
    await first.said('started');
    // A burst over several subjects while the process consumes: batches form from what has arrived.
    const meta = (id: string) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: id });
    await Promise.all(subjects.map(async (subject) => {
      let seq = 0;
      for (let i = 1; i <= perSubject; i++) seq = (await store.append(subject, seq, [inc(i)], meta(`${subject}-${i}`)))!.lastSeq;
    }));
    await first.said(`stalled ${stallAt}`);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const committed = await db.query<{ seq: string }>(`SELECT seq FROM ${table} ORDER BY id`);
    expect(committed.map((r) => Number(r.seq))).not.toContain(stallAt); // its batch's transaction died with it

    const projection: Projection<unknown> = {
      name: table, stream: decl, parse: (raw) => raw,
      apply: async (sql, r) => void (await sql.query(`INSERT INTO ${table} (seq) VALUES ($1)`, [r.seq])),
    };
    const successor = new ProjectionRunner({ nc, naming, db, projection, batchSize });
    await successor.start();
    const total = subjects.length * perSubject;
    // The killed process's unacknowledged messages come back once the ack wait lapses.
    await eventually(async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n) >= total, 30_000);
    await successor.stop();
    const applied = (await db.query<{ seq: string }>(`SELECT seq FROM ${table} ORDER BY id`)).map((r) => Number(r.seq));
    expect(applied).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  }, 60_000);
});
