import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testEnv, testNamespace, type TestDatabase } from '@keelson/testing';
import { applyStreams, EventStore, ProjectionRunner, type Projection, type StreamDeclaration } from '../index.js';
import { inc, parseCounterEvent, type CounterEvent } from '../test-fixtures/counter.js';

// The projection process runs from dist/ (test-fixtures/projection-process.mjs): `npm run build` first.
const processScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-fixtures', 'projection-process.mjs');
const decl: StreamDeclaration = { name: 'EV_PROJ_KILL', subjects: ['ev.counter.>'], description: 'projection kill tests' };
const table = 'kill_log';
const batchSize = 10;

function startProjectionProcess(env: object): { child: ChildProcess; said: (line: string) => Promise<void> } {
  const child = spawn(process.execPath, [processScript], {
    env: { ...process.env, KILL_TEST_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) if (out.split('\n').includes(w.line)) w.resolve();
  });
  const said = (line: string) =>
    new Promise<void>((resolve, reject) => {
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
      natsUrl: env.natsUrl,
      natsUser: env.natsUser,
      natsPass: env.natsPass,
      dbUrl: tdb.url,
      naming,
      stream: decl,
      projection: table,
      batchSize,
      stallAt,
    });
    await first.said('started');
    // A burst over several subjects while the process consumes: batches form from what has arrived.
    const meta = (id: string) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: id });
    await Promise.all(
      subjects.map(async (subject) => {
        let seq = 0;
        for (let i = 1; i <= perSubject; i++) seq = (await store.append(subject, seq, [inc(i)], meta(`${subject}-${i}`)))!.lastSeq;
      }),
    );
    await first.said(`stalled ${stallAt}`);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const committed = await db.query<{ seq: string }>(`SELECT seq FROM ${table} ORDER BY id`);
    expect(committed.map((r) => Number(r.seq))).not.toContain(stallAt); // its batch's transaction died with it

    const projection: Projection<unknown> = {
      name: table,
      stream: decl,
      parse: (raw) => raw,
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

  it('loses nothing when it held part of a batch and new events reach its successor first', async () => {
    const subject = store.subject('counter', 'k', 'partial');
    const { lastSeq: before } = await store.load(subject);
    const streamSeqAfter = async () =>
      (await (await jetstreamManager(nc)).streams.info(`${naming.streamPrefix}${decl.name}`)).state.last_seq;
    const first0 = await streamSeqAfter();
    const env = testEnv();
    const first = startProjectionProcess({
      natsUrl: env.natsUrl,
      natsUser: env.natsUser,
      natsPass: env.natsPass,
      dbUrl: tdb.url,
      naming,
      stream: decl,
      projection: table,
      batchSize,
      stallAt: first0 + 2,
    });
    await first.said('started');
    const meta = (id: string) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: id });
    let seq = before;
    for (let i = 1; i <= 3; i++) seq = (await store.append(subject, seq, [inc(i)], meta(`partial-${i}`)))!.lastSeq;
    await first.said(`stalled ${first0 + 2}`); // three of the batchSize slots in hand, the batch's transaction open
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    const projection: Projection<unknown> = {
      name: table,
      stream: decl,
      parse: (raw) => raw,
      apply: async (sql, r) => void (await sql.query(`INSERT INTO ${table} (seq) VALUES ($1)`, [r.seq])),
    };
    const successor = new ProjectionRunner({ nc, naming, db, projection, batchSize });
    await successor.start();
    for (let i = 4; i <= 6; i++) seq = (await store.append(subject, seq, [inc(i)], meta(`partial-${i}`)))!.lastSeq;
    const mine = async () =>
      (await db.query<{ seq: string }>(`SELECT seq FROM ${table} WHERE seq > $1 ORDER BY id`, [first0])).map((r) => Number(r.seq));
    // The killed process's three come back once the ack wait lapses. Done when the consumer has
    // settled all six: applied, or (the bug) taken for repeats below a checkpoint that passed them.
    const jsm = await jetstreamManager(nc);
    const settled = async () => {
      const info = await jsm.consumers.info(`${naming.streamPrefix}${decl.name}`, successor.consumerName);
      return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= first0 + 6;
    };
    await eventually(settled, 30_000);
    await successor.stop();
    expect(await mine()).toEqual([1, 2, 3, 4, 5, 6].map((i) => first0 + i));
  }, 60_000);

  it('applies up to an event held elsewhere, and the rest once it is back, even when every batch reaches past it', async () => {
    // Two holders (processes that died, or replicas) took 1-3 and 4-6; the first gives its three
    // back as the successor starts, so the successor's batches hold 1-3 with 7-9 and never 4-6.
    const subject = store.subject('counter', 'k', 'split');
    const own = 'kill_split';
    await db.query(`CREATE TABLE ${own} (id bigserial PRIMARY KEY, seq bigint NOT NULL)`);
    const projection: Projection<unknown> = {
      name: own,
      stream: decl,
      filterSubjects: [subject.slice(naming.subjectPrefix.length)],
      parse: (raw) => raw,
      apply: async (sql, r) => void (await sql.query(`INSERT INTO ${own} (seq) VALUES ($1)`, [r.seq])),
    };
    const creator = new ProjectionRunner({ nc, naming, db, projection, batchSize });
    await creator.start(); // only to create the durable consumer
    await creator.stop();
    const meta = (id: string) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: id });
    const seqs: number[] = [];
    for (let i = 1; i <= 9; i++) seqs.push((await store.append(subject, seqs.at(-1) ?? 0, [inc(i)], meta(`split-${i}`)))!.lastSeq);
    const consumer = await jetstream(nc).consumers.get(`${naming.streamPrefix}${decl.name}`, creator.consumerName);
    const take = async (n: number) => {
      const held: JsMsg[] = [];
      for await (const m of await consumer.fetch({ max_messages: n, expires: 2_000 })) held.push(m);
      return held;
    };
    const [first, second] = [await take(3), await take(3)];
    expect([...first, ...second].map((m) => m.seq)).toEqual(seqs.slice(0, 6));
    for (const m of first) m.nak();
    const successor = new ProjectionRunner({ nc, naming, db, projection, batchSize, retryDelayMs: 200 });
    await successor.start();
    const applied = async () => (await db.query<{ seq: string }>(`SELECT seq FROM ${own} ORDER BY id`)).map((r) => Number(r.seq));
    await eventually(async () => (await applied()).length === 3, 15_000);
    expect(await applied()).toEqual(seqs.slice(0, 3)); // 7-9 wait for 4-6
    for (const m of second) m.nak();
    await eventually(async () => (await applied()).length >= 9, 15_000);
    await successor.stop();
    expect(await applied()).toEqual(seqs);
  }, 60_000);
});
