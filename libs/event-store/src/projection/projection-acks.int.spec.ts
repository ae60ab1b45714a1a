import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import { applyStreams, EventStore, ProjectionRunner, type Projection, type StreamDeclaration } from '../index.js';
import { inc, parseCounterEvent, type CounterEvent } from '../test-fixtures/counter.js';
import { readCheckpoint } from './checkpoints.js';

const decl: StreamDeclaration = { name: 'EV_PROJ_ACKS', subjects: ['ev.counter.>'], description: 'projection ack tests' };

// Sums increments per subject, one statement per batch, and keeps the sequences it applied.
function sums(name: string): Projection<CounterEvent> & { applied: number[] } {
  const applied: number[] = [];
  const applyBatch: NonNullable<Projection<CounterEvent>['applyBatch']> = async (sql, events) => {
    const rows = events.flatMap((r) => (r.event.type === 'Incremented' ? [{ subject: r.subject, by: r.event.data.by }] : []));
    await sql.query(`CREATE TABLE IF NOT EXISTS ${name} (subject text PRIMARY KEY, total int NOT NULL)`);
    await sql.query(
      `INSERT INTO ${name} (subject, total) SELECT subject, sum(by) FROM jsonb_to_recordset($1::jsonb) AS r(subject text, by int)
       GROUP BY subject ON CONFLICT (subject) DO UPDATE SET total = ${name}.total + EXCLUDED.total`,
      [JSON.stringify(rows)],
    );
    applied.push(...events.map((r) => r.seq));
  };
  return { name, stream: decl, parse: parseCounterEvent, applied, applyBatch, apply: (sql, event) => applyBatch(sql, [event]) };
}

describe('ProjectionRunner acknowledgements', () => {
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<CounterEvent>;
  const naming = testNamespace();
  const streamName = `${naming.streamPrefix}${decl.name}`;
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

  const append = async (id: string, count: number): Promise<string> => {
    const subject = store.subject('counter', 'f1', id);
    let seq = (await store.load(subject)).lastSeq;
    for (let i = 0; i < count; i++)
      seq = (await store.append(subject, seq, [inc(1)], {
        actor: { kind: 'operator', id: 'ada' },
        correlationId: 'c',
        commandId: `cmd-${++n}`,
      }))!.lastSeq;
    return subject;
  };
  const total = async (table: string, subject: string) =>
    (await db.query<{ total: number }>(`SELECT total FROM ${table} WHERE subject = $1`, [subject]).catch(() => []))[0]?.total;
  const runner = (projection: Projection<CounterEvent>) =>
    new ProjectionRunner({ nc, naming, db, projection, batchSize: 20, retryDelayMs: 50, lingerMs: 200 });
  const countAcks = (consumer: string): { sub: Subscription; count: () => number } => {
    let acks = 0;
    const sub = nc.subscribe('$JS.ACK.>', { callback: (_err, m) => void (m.subject.includes(`.${streamName}.${consumer}.`) && acks++) });
    return { sub, count: () => acks };
  };

  it('settles each batch with one acknowledgement, and nothing comes back after a restart', async () => {
    const subject = await append('a', 30);
    const projection = sums('sums_a');
    const r1 = runner(projection);
    const acks = countAcks(r1.consumerName);
    await nc.flush();
    await r1.start();
    await eventually(async () => (await total('sums_a', subject)) === 30);
    await r1.stop();
    await nc.flush();
    acks.sub.unsubscribe();
    expect(acks.count()).toBeLessThanOrEqual(Math.ceil(30 / 20)); // one per batch of at most 20, not one per event
    const info = await (await jetstreamManager(nc)).consumers.info(streamName, r1.consumerName);
    expect(info.config.ack_policy).toBe(AckPolicy.All);
    expect(info.num_ack_pending).toBe(0);
    expect(info.ack_floor.stream_seq).toBe((await store.load(subject)).lastSeq);

    const r2 = runner(projection);
    await r2.start();
    await append('a', 1);
    await eventually(async () => (await total('sums_a', subject)) === 31);
    await r2.stop();
    expect(projection.applied).toHaveLength(31);
    expect(new Set(projection.applied).size).toBe(31);
  });

  it('remakes a consumer an older release made with explicit acks, resuming after the checkpoint', async () => {
    const subject = await append('b', 5);
    const projection = sums('sums_b');
    const r1 = runner(projection);
    await r1.start();
    await eventually(async () => (await total('sums_b', subject)) === 5);
    await r1.stop();
    const checkpoint = await db.transaction((sql) => readCheckpoint(sql, projection.name));
    // What an older release left behind: the same durable, explicit acks, delivered up to the checkpoint.
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(streamName, r1.consumerName);
    await jsm.consumers.add(streamName, {
      durable_name: r1.consumerName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subjects: [`${naming.subjectPrefix}ev.counter.>`],
      max_deliver: -1,
      max_ack_pending: 20,
    });

    await append('b', 2);
    const r2 = runner(projection);
    await r2.start();
    await eventually(async () => (await total('sums_b', subject)) === 7);
    await r2.stop();
    const info = await jsm.consumers.info(streamName, r2.consumerName);
    expect(info.config.ack_policy).toBe(AckPolicy.All);
    expect(info.config.deliver_policy).toBe(DeliverPolicy.StartSequence);
    expect(info.config.opt_start_seq).toBe(checkpoint + 1);
    expect(new Set(projection.applied).size).toBe(projection.applied.length);
  });

  it("brings a consumer made with another batch size to the runner's, keeping its position", async () => {
    const subject = await append('c', 3);
    const projection = sums('sums_c');
    const r1 = runner(projection);
    await r1.start();
    await eventually(async () => (await total('sums_c', subject)) === 3);
    await r1.stop();
    const jsm = await jetstreamManager(nc);
    expect((await jsm.consumers.info(streamName, r1.consumerName)).config.max_ack_pending).toBe(20);

    await append('c', 2);
    const r2 = new ProjectionRunner({ nc, naming, db, projection, batchSize: 50, retryDelayMs: 50, lingerMs: 200 });
    await r2.start();
    await eventually(async () => (await total('sums_c', subject)) === 5);
    await r2.stop();
    const info = await jsm.consumers.info(streamName, r2.consumerName);
    expect(info.config.max_ack_pending).toBe(50);
    expect(info.config.ack_policy).toBe(AckPolicy.All);
    expect(new Set(projection.applied).size).toBe(projection.applied.length); // nothing applied twice
  });
});
