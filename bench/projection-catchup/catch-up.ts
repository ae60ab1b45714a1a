import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type Database } from '@keelson/postgres';
import {
  applyStreams,
  EventStore,
  readCheckpoint,
  type EventStoreNaming,
  type Projection,
  type StreamDeclaration,
  type WriteFence,
} from '@keelson/event-store';
import type { CatchUpArgs } from './args.js';
import type { BenchServers } from './bench-servers.js';

/** What the bench needs of a ProjectionRunner: the current one, or one a baseline checkout built. */
export type RunnerClass = new (options: {
  nc: NatsConnection;
  naming: EventStoreNaming;
  db: Database;
  projection: Projection<unknown>;
  batchSize: number;
  fence: WriteFence;
  onError: (err: unknown) => void;
}) => { start(): Promise<void>; stop(): Promise<void>; readonly consumerName: string };

export interface CatchUpFigures {
  code: string;
  /** From the first of `events` appended to the checkpoint at the last of them. */
  totalMs: number;
  /** From the last append to the checkpoint at it: how long the projection trailed the writers. */
  trailMs: number;
  /** Gaps the runner reported (a StreamGap to `onError`). */
  gaps: number;
  /** Every event applied once, in stream order. */
  complete: boolean;
}

const decl: StreamDeclaration = { name: 'EV_CATCHUP', subjects: ['ev.counter.>'], description: 'projection catch-up bench' };
const event = { type: 'Incremented', schemaVersion: 1, data: { by: 1 } };
const lease: WriteFence = { token: 1, isHeld: () => true }; // single-active, as the audit's projections
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A single-active projection consuming while a second pull on its consumer (its own connection) takes
 * `lost` of the first events and goes without acknowledging them, as a pull does whose nats-server
 * dies in a failover. Then `events` events are appended, 50 per atomic append, and the clock runs
 * until the projection's checkpoint reaches the last one.
 */
export async function measureCatchUp(servers: BenchServers, Runner: RunnerClass, code: string, args: CatchUpArgs): Promise<CatchUpFigures> {
  const naming: EventStoreNaming = { streamPrefix: `CATCHUP_${code.toUpperCase()}_`, subjectPrefix: `catchup-${code}.` };
  const nc = await servers.connect(`catch-up ${code}`);
  await applyStreams(await jetstreamManager(nc), naming, [decl]);
  const db = await openDatabase({ url: await servers.database(`catchup_${code}`) });
  await db.query('CREATE TABLE IF NOT EXISTS catchup_log (id bigserial PRIMARY KEY, seq bigint NOT NULL)');
  const projection: Projection<unknown> = {
    name: 'catchup_log',
    stream: decl,
    parse: (raw) => raw,
    apply: async (sql, r) => void (await sql.query('INSERT INTO catchup_log (seq) VALUES ($1)', [r.seq])),
    applyBatch: async (sql, events) =>
      void (await sql.query('INSERT INTO catchup_log (seq) SELECT unnest($1::bigint[])', [events.map((r) => r.seq)])),
  };
  let gaps = 0;
  const onError = (err: unknown) => void (err instanceof Error && err.name === 'StreamGap' && gaps++);
  const runner = new Runner({ nc, naming, db, projection, batchSize: args.batchSize, fence: lease, onError });
  await runner.start();
  const store = new EventStore({ nc, naming, stream: decl, parse: (raw) => raw as typeof event });
  const subject = store.subject('counter', 'bench', 'c1');
  let seq = 0;
  const append = async (n: number) => {
    for (let done = 0; done < n; done += 50) {
      const meta = { actor: { kind: 'operator' as const, id: 'bench' }, correlationId: 'c', commandId: `cmd-${seq}` };
      seq = (await store.append(
        subject,
        seq,
        Array.from({ length: Math.min(50, n - done) }, () => event),
        meta,
      ))!.lastSeq;
    }
  };
  const lostNc = await servers.connect('lost pull');
  const pull = await jetstream(lostNc)
    .consumers.get(`${naming.streamPrefix}${decl.name}`, runner.consumerName)
    .then((c) => c.fetch({ max_messages: args.lost, expires: 30_000 }));
  let taken = 0;
  const taking = (async () => {
    for await (const _ of pull) taken++;
  })();
  while (taken < args.lost && seq < 1000) await append(1); // waiting pulls are served in turn
  await taking;
  await lostNc.close();

  const started = performance.now();
  await append(args.events);
  const appended = performance.now();
  const deadline = appended + 600_000;
  while ((await db.transaction((sql) => readCheckpoint(sql, projection.name))) < seq && performance.now() < deadline) await sleep(20);
  const caughtUp = performance.now();
  await runner.stop();
  const applied = (await db.query<{ seq: string }>('SELECT seq FROM catchup_log ORDER BY id')).map((r) => Number(r.seq));
  await db.close();
  await nc.close();
  return {
    code,
    totalMs: caughtUp - started,
    trailMs: caughtUp - appended,
    gaps,
    complete: applied.length === seq && applied.every((s, i) => s === i + 1),
  };
}
