import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, eventually, type TestDatabase } from '@keelson/testing';
import { ACK_WAIT_MS } from '../batch-heartbeat.js';
import { ProjectionRunner, type Projection, type StreamDeclaration } from '../index.js';
import { inc } from '../test-fixtures/counter.js';
import { openCounterStore, type CounterStore } from '../test-fixtures/counter-store.js';
import { StreamGap } from './stream-gap.js';

const decl: StreamDeclaration = { name: 'EV_PROJ_GAP', subjects: ['ev.counter.>'], description: 'projection gap tests' };
const meta = (id: string) => ({ actor: { kind: 'operator' as const, id: 'ada' }, correlationId: 'c', commandId: id });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lease = { token: 1, isHeld: () => true }; // a single-active runner under a lease it keeps

// Issue 12, fault (f): after a failover, events handed to a pull that went down with its nats-server
// come back only when their ack wait lapses, and everything the consumer handed out past them used
// to be given back and wait, coming back a few at a time: minutes for the audit to catch up.
describe('a single-active projection whose consumer handed events to a pull that is gone', () => {
  let cs: CounterStore;
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    cs = await openCounterStore(decl);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await db.close();
    await cs.nc.close();
    await tdb.drop();
  });

  /** Records each applied event's sequence, in the order applied; `failing` is refused every time. */
  async function seqLog(
    table: string,
    failing?: () => number | undefined,
  ): Promise<{ projection: Projection<unknown>; applied: () => Promise<number[]> }> {
    await db.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, seq bigint NOT NULL)`);
    const projection: Projection<unknown> = {
      name: table,
      stream: decl,
      filterSubjects: [`ev.counter.gap.${table.replace(/_/g, '-')}`],
      parse: (raw) => raw,
      apply: async (sql, r) => {
        if (r.seq === failing?.()) throw new Error(`the database refuses event ${r.seq}`);
        await sql.query(`INSERT INTO ${table} (seq) VALUES ($1)`, [r.seq]);
      },
    };
    const applied = async () => (await db.query<{ seq: string }>(`SELECT seq FROM ${table} ORDER BY id`)).map((r) => Number(r.seq));
    return { projection, applied };
  }

  /** Appends `count` events to the projection's subject; returns their sequences. */
  async function append(table: string, count: number): Promise<number[]> {
    const subject = cs.store.subject('counter', 'gap', table.replace(/_/g, '-'));
    let seq = (await cs.store.load(subject)).lastSeq;
    const seqs: number[] = [];
    for (let i = 0; i < count; i++) {
      seq = (await cs.store.append(subject, seq, [inc(1)], meta(`${table}-${seq}`)))!.lastSeq;
      seqs.push(seq);
    }
    return seqs;
  }

  it('makes its consumer again from its checkpoint: every event once, in order, long before the lost events ack wait lapses', async () => {
    const { projection, applied } = await seqLog('gap_lost_pull');
    const gaps: StreamGap[] = [];
    const onError = (err: unknown) => void (err instanceof StreamGap && gaps.push(err));
    const runner = new ProjectionRunner({
      nc: cs.nc,
      naming: cs.naming,
      db,
      projection,
      batchSize: 20,
      retryDelayMs: 200,
      fence: lease,
      onError,
    });
    await runner.start();
    // A second pull on the runner's consumer that never acknowledges, as one whose server died: the
    // server hands out to waiting pulls in turn, so it takes some of the first events.
    const consumer = await jetstream(cs.nc).consumers.get(cs.streamName, runner.consumerName);
    const lost: JsMsg[] = [];
    const pull = await consumer.fetch({ max_messages: 3, expires: 30_000 });
    const taking = (async () => {
      for await (const m of pull) lost.push(m);
    })();
    const seqs: number[] = [];
    while (lost.length < 3 && seqs.length < 60) seqs.push(...(await append('gap_lost_pull', 1)));
    await taking;
    seqs.push(...(await append('gap_lost_pull', 100))); // the runner's batches now reach past what the lost pull holds
    // Before the lost pull's events could come back: the runner did not wait for them.
    await eventually(async () => (await applied()).length >= seqs.length, ACK_WAIT_MS * 0.8).catch(() => undefined);
    await runner.stop();
    expect(await applied()).toEqual(seqs);
    expect(lost.every((m) => seqs.includes(m.seq))).toBe(true);
    expect(runner.gaps.restarts.count).toBeGreaterThanOrEqual(1);
    expect(gaps.length).toBeLessThanOrEqual(runner.gaps.restarts.count);
  }, 30_000);

  it('gives back and waits for an event it refused itself, so that one keeps failing until dead-lettered while later events arrive', async () => {
    const failing: { seq?: number } = {};
    const { projection, applied } = await seqLog('gap_failing', () => failing.seq);
    const runner = new ProjectionRunner({
      nc: cs.nc,
      naming: cs.naming,
      db,
      projection,
      batchSize: 20,
      retryDelayMs: 100,
      maxDeliver: 3,
      fence: lease,
    });
    await runner.start();
    const seqs = await append('gap_failing', 2);
    const refused = (failing.seq = (await cs.jsm.streams.info(cs.streamName)).state.last_seq + 1);
    seqs.push(...(await append('gap_failing', 1)));
    const dead = async () =>
      await db.query<{ seq: string; deliveries: number }>(
        `SELECT seq, deliveries FROM projection_dead_letters WHERE projection = 'gap_failing'`,
      );
    // Later events keep arriving while it fails: each batch of them reaches past it.
    const cap = 500;
    while (!(await dead()).length && seqs.length < cap) {
      seqs.push(...(await append('gap_failing', 1)));
      await sleep(20);
    }
    const restartsWhileFailing = runner.gaps.restarts.count;
    const expected = seqs.filter((s) => s !== refused);
    await eventually(async () => (await applied()).length >= expected.length, 20_000).catch(() => undefined);
    await runner.stop();
    // Its consumer was not made again for the gaps behind the refused event: each time would hand it
    // out anew, counting its deliveries from 1 (and cost the cluster a consumer deleted and added).
    expect(restartsWhileFailing).toBe(0);
    expect(seqs.length).toBeLessThan(cap);
    expect(await dead()).toEqual([{ seq: String(refused), deliveries: 3 }]);
    expect(await applied()).toEqual(expected);
  }, 60_000);
});
