import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type Database, type Sql } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import { InvalidInput } from '@keelson/domain-kit';
import { applyStreams, EventStore, ProjectionRunner, type Projection, type StreamDeclaration } from '../index.js';
import { inc, parseCounterEvent, type CounterEvent } from '../test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_PROJ', subjects: ['ev.counter.>'], description: 'projection tests' };

// Adds each increment to a total: not idempotent by itself, so double application shows at once.
function totals(name: string, failFirst = new Map<number, number>()): Projection<CounterEvent> & { applied: number[] } {
  const applied: number[] = [];
  return {
    name, stream: decl, parse: parseCounterEvent, applied,
    async apply(sql: Sql, r) {
      const left = failFirst.get(r.seq) ?? 0;
      if (left > 0) {
        failFirst.set(r.seq, left - 1);
        throw new Error(`transient failure at ${r.seq}`);
      }
      if (r.event.type !== 'Incremented') return;
      await sql.query(
        `INSERT INTO ${name} (subject, total, actors) VALUES ($1, $2, $3)
         ON CONFLICT (subject) DO UPDATE SET total = ${name}.total + EXCLUDED.total, actors = ${name}.actors || ',' || EXCLUDED.actors`,
        [r.subject, r.event.data.by, r.meta.actor.id],
      );
      applied.push(r.seq);
    },
  };
}

// The same totals written a batch at a time, in one statement; a batch holding `refused` is refused whole.
function batchTotals(name: string, id: string, refused: number): Projection<CounterEvent> & { batches: number[][] } {
  const batches: number[][] = [];
  const applyBatch: NonNullable<Projection<CounterEvent>['applyBatch']> = async (sql, events) => {
    const increments = events.flatMap((r) => (r.event.type === 'Incremented' ? [{ subject: r.subject, by: r.event.data.by }] : []));
    if (increments.some((i) => i.by === refused)) throw new InvalidInput('counter.refused', [{ path: ['by'], message: `${refused} is refused` }]);
    await sql.query(
      `INSERT INTO ${name} (subject, total, actors) SELECT subject, sum(by), 'batch' FROM jsonb_to_recordset($1::jsonb) AS r(subject text, by int)
       GROUP BY subject ON CONFLICT (subject) DO UPDATE SET total = ${name}.total + EXCLUDED.total`,
      [JSON.stringify(increments)],
    );
    batches.push(events.map((r) => r.seq));
  };
  return {
    name, stream: decl, filterSubjects: [`ev.counter.f1.${id}`], parse: parseCounterEvent, batches, applyBatch,
    apply: (sql, event) => applyBatch(sql, [event]),
  };
}

describe('ProjectionRunner against real NATS and PostgreSQL', () => {
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<CounterEvent>;
  const naming = testNamespace();
  let n = 0;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [decl]);
    store = new EventStore({ nc, naming, stream: decl, parse: parseCounterEvent });
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await db.close();
    await nc.close();
    await tdb.drop();
  });

  const append = async (id: string, ...bys: number[]) => {
    const subject = store.subject('counter', 'f1', id);
    let seq = (await store.load(subject)).lastSeq;
    for (const by of bys) seq = (await store.append(subject, seq, [inc(by)], { actor: { kind: 'operator', id: 'ada' }, correlationId: 'c', commandId: `cmd-${++n}` }))!.lastSeq;
    return subject;
  };
  const total = async (table: string, subject: string) => {
    await db.query(`CREATE TABLE IF NOT EXISTS ${table} (subject text PRIMARY KEY, total int NOT NULL, actors text NOT NULL)`);
    return (await db.query<{ total: number }>(`SELECT total FROM ${table} WHERE subject = $1`, [subject]))[0]?.total;
  };
  const runner = (projection: Projection<CounterEvent>, conn = nc, database = db, fetchExpiresMs = 1000) =>
    new ProjectionRunner({ nc: conn, naming, db: database, projection, batchSize: 20, retryDelayMs: 50, fetchExpiresMs });

  it('projects every event once and records the actor from the headers', async () => {
    const subject = await append('a', 1, 2, 3);
    const r = runner(totals('totals_a'));
    await r.start();
    await eventually(async () => (await total('totals_a', subject)) === 6);
    await r.stop();
    expect(await db.query('SELECT actors FROM totals_a')).toEqual([{ actors: 'ada,ada,ada' }]);
  });

  it('changes no read model when the consumer redelivers events it already applied', async () => {
    const subject = await append('b', 5, 5);
    const projection = totals('totals_b');
    const r1 = runner(projection);
    await r1.start();
    await eventually(async () => (await total('totals_b', subject)) === 10);
    await r1.stop();
    // Replace the durable consumer: JetStream delivers the whole stream again.
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(`${naming.streamPrefix}${decl.name}`, r1.consumerName);
    const r2 = runner(projection);
    await r2.start();
    await append('b', 1);
    await eventually(async () => (await total('totals_b', subject)) === 11);
    await r2.stop();
    expect(projection.applied).toHaveLength(new Set(projection.applied).size);
  });

  it('resumes after a restart where it stopped, losing and repeating nothing', async () => {
    const subject = await append('c', 1, 1, 1);
    const r1 = runner(totals('totals_c'));
    await r1.start();
    await eventually(async () => (await total('totals_c', subject)) === 3);
    await r1.stop();
    await append('c', 10, 10);
    // a new process: its own connections, same projection name
    const nc2 = await connectTestNats('restarted');
    const db2 = await openDatabase({ url: tdb.url });
    const r2 = runner(totals('totals_c'), nc2, db2);
    await r2.start();
    await eventually(async () => (await total('totals_c', subject)) === 23);
    await r2.stop();
    await nc2.close();
    await db2.close();
  });

  it('retries a transiently failing event in order until it applies, once', async () => {
    const subject = await append('d', 1);
    const { lastSeq } = await store.load(subject);
    const projection = totals('totals_d', new Map([[lastSeq + 1, 2]]));
    const r = runner(projection);
    await r.start();
    await append('d', 100, 1000);
    await eventually(async () => (await total('totals_d', subject)) === 1101);
    await r.stop();
    const mine = projection.applied.filter((s) => s >= lastSeq);
    expect(mine).toEqual([...mine].sort((x, y) => x - y));
  });

  it('sends a poison message to the dead-letter table and carries on', async () => {
    const subject = await append('e', 1);
    const h = headers();
    h.set('Keelson-Actor', 'operator:mallory');
    // written past the store's validation, as a buggy or hostile writer would
    await jetstream(nc).publish(store.subject('counter', 'f1', 'e-poison'), new TextEncoder().encode('{"type":"Incremented","schemaVersion":1,"data":{"by":"lots"}}'), { headers: h });
    await append('e', 2);
    const r = runner(totals('totals_e'));
    await r.start();
    await eventually(async () => (await total('totals_e', subject)) === 3);
    await r.stop();
    const dead = await db.query<{ projection: string; error: string; payload: string; headers: Record<string, string[]> }>(
      `SELECT projection, error, payload, headers FROM projection_dead_letters WHERE projection = 'totals_e'`,
    );
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error).toMatch(/InvalidInput/);
    expect(dead[0]!.payload).toContain('"lots"');
    expect(dead[0]!.headers['Keelson-Actor']).toEqual(['operator:mallory']);
  });

  it('hands a batch to applyBatch in one call, and still dead-letters a poison event alone', async () => {
    const subject = await append('f', 1, 2, 4);
    const plain = totals('totals_f');
    const calls: number[][] = [];
    const batched: Projection<CounterEvent> = {
      ...plain,
      filterSubjects: ['ev.counter.f1.f', 'ev.counter.f1.f-poison'], // not the earlier tests' events (nor their poison)
      async applyBatch(sql, events) {
        calls.push(events.map((e) => e.seq));
        for (const e of events) await plain.apply(sql, e);
      },
    };
    const r = runner(batched);
    await total('totals_f', subject); // creates the table: the runner applies at once, its first batch must not fail on it
    await r.start();
    await eventually(async () => (await total('totals_f', subject)) === 7);
    await jetstream(nc).publish(store.subject('counter', 'f1', 'f-poison'), new TextEncoder().encode('{"type":"Incremented","schemaVersion":1,"data":{"by":"lots"}}'));
    await append('f', 8);
    await eventually(async () => (await total('totals_f', subject)) === 15);
    await r.stop();
    expect(calls[0]).toHaveLength(3); // the three events present at the start, fetched as one batch
    expect(plain.applied).toEqual(calls.flat());
    expect(await db.query(`SELECT count(*)::int AS n FROM projection_dead_letters WHERE projection = 'totals_f'`)).toEqual([{ n: 1 }]);
  });

  describe('with a projection that writes whole batches', () => {
    it('dead-letters only the event its batch was refused for, and applies the others once, in order', async () => {
      const subject = await append('g', 1, 2, 13, 4, 5);
      const { lastSeq } = await store.load(subject);
      const projection = batchTotals('totals_g', 'g', 13);
      const r = runner(projection);
      await r.start();
      await eventually(async () => (await total('totals_g', subject)) === 12);
      await r.stop();
      const dead = await db.query<{ seq: string; error: string }>(`SELECT seq, error FROM projection_dead_letters WHERE projection = 'totals_g'`);
      expect(dead).toEqual([{ seq: String(lastSeq - 2), error: expect.stringMatching(/counter\.refused/) }]);
      expect(projection.batches.flat()).toEqual([lastSeq - 4, lastSeq - 3, lastSeq - 1, lastSeq]);
    });
  });

  it('looks up no gap for the events of other subjects between its own, once it knows what it applied last', async () => {
    await append('gapother', 1); // another subject's event before its first: that jump is looked up once
    const mine = await append('gapown', 1);
    const r = runner({ ...totals('totals_gap'), filterSubjects: ['ev.counter.f1.gapown'] });
    await r.start();
    await eventually(async () => (await total('totals_gap', mine)) === 1);
    for (let i = 2; i <= 6; i++) {
      await append('gapother', 1);
      await append('gapown', 1);
      await eventually(async () => (await total('totals_gap', mine)) === i);
    }
    await r.stop();
    expect(r.gapLookups.count).toBe(1);
  });

  it('applies an event as soon as it arrives, from the pull already open, without waiting for that pull to end', async () => {
    const r = runner({ ...totals('totals_h'), filterSubjects: ['ev.counter.f1.h'] }, nc, db, 30_000);
    let pulls = 0;
    const sub = nc.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${naming.streamPrefix}${decl.name}.${r.consumerName}`, { callback: () => void pulls++ });
    await nc.flush();
    await r.start();
    await eventually(async () => pulls === 1);
    const subject = await append('h', 7);
    // Well inside the 30 s pull: a runner that waits for its pull to fill or expire is still waiting.
    await eventually(async () => (await total('totals_h', subject)) === 7, 10_000);
    await r.stop();
    sub.unsubscribe();
    expect(pulls).toBe(1); // applied from the pull that was open before the event existed
  });

  it('keeps a batch open for lingerMs after its first event, so events appended one by one are applied together', async () => {
    const plain = totals('totals_j');
    const calls: number[][] = [];
    const batched: Projection<CounterEvent> = {
      ...plain,
      filterSubjects: ['ev.counter.f1.j'],
      async applyBatch(sql, events) {
        calls.push(events.map((e) => e.seq));
        for (const e of events) await plain.apply(sql, e);
      },
    };
    const r = new ProjectionRunner({ nc, naming, db, projection: batched, batchSize: 20, retryDelayMs: 50, lingerMs: 2_000 });
    await total('totals_j', 'none'); // the table exists before the first batch
    await r.start();
    const subject = await append('j', 1, 2, 3); // three appends, one round trip each: well inside the 2 s
    await eventually(async () => (await total('totals_j', subject)) === 6);
    await r.stop();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(3);
  });

  it('holds back, behind a failing event, the events that arrived while its batch was in hand', async () => {
    const subject = await append('i', 1);
    const { lastSeq } = await store.load(subject);
    // Fails twice: in the batch's transaction, and again on its own; then it is naked.
    const projection = { ...totals('totals_i', new Map([[lastSeq, 2]])), filterSubjects: ['ev.counter.f1.i'] };
    const apply = projection.apply.bind(projection);
    let arrived = false;
    projection.apply = async (sql, rec) => {
      if (rec.seq === lastSeq && !arrived) {
        arrived = true; // the next event is published, and received, while this batch is in hand
        await append('i', 10);
        const jsm = await jetstreamManager(nc);
        await eventually(async () => (await jsm.consumers.info(`${naming.streamPrefix}${decl.name}`, r.consumerName)).num_ack_pending === 2);
      }
      return apply(sql, rec);
    };
    const r = runner(projection);
    await r.start();
    await eventually(async () => (await total('totals_i', subject)) === 11);
    await r.stop();
    expect(projection.applied).toEqual([lastSeq, lastSeq + 1]);
  });
});
