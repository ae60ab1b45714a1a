// A replica of a service, for single-active.kill.int.spec.ts, run as `node lease-projection-process.ts`
// (Node strips the types; the libraries come from their built dist/): one projection (or, with
// KEELSON_RUNNER=reactor, one reactor) run single-active under the service's lease, as the
// ServiceRunner runs it. Each event it applies becomes a row naming this process; it says (one JSON
// line each) what it is doing, and when it is in the middle of the event KEELSON_PAUSE_AT (for a
// projection: its transaction open), so that the spec can SIGSTOP it there.
import { writeSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { ProjectionRunner, ReactorRunner, type Projection, type Reactor, type WriteFence } from '@keelson/event-store';
import { openDatabase } from '@keelson/postgres';
import { describeError, loadServiceConfig, RunnerLeases } from '../../dist/index.js'; // the built library, as a service loads it

const env = process.env;
const table = env.KEELSON_TABLE!;
const pauseAt = Number(env.KEELSON_PAUSE_AT ?? 0);
const applyMs = Number(env.KEELSON_APPLY_MS ?? 0);
const say = (line: object) => writeSync(1, `${JSON.stringify(line)}\n`); // synchronous: out before a signal lands
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const config = loadServiceConfig('lease-spec', env);
const nc = await connect({
  servers: env.KEELSON_NATS_URL,
  user: env.KEELSON_NATS_USER,
  pass: env.KEELSON_NATS_PASSWORD,
  name: 'lease-projection-process',
});
const db = await openDatabase({ url: env.KEELSON_DATABASE_URL! });
const leases = new RunnerLeases({ nc, config, log: (log) => say({ log }), onError: (err) => say({ error: describeError(err) }) });

const projection: Projection<unknown> = {
  name: table,
  stream: { name: env.KEELSON_STREAM!, subjects: ['ev.lease.>'], description: 'lease kill tests' },
  parse: (raw) => raw,
  async apply(sql, { seq }) {
    // A plain insert: applied twice, an event shows twice.
    await sql.query(`INSERT INTO ${table} (seq, holder) VALUES ($1, $2)`, [seq, leases.holder]);
    if (applyMs) await sleep(applyMs);
    if (seq === pauseAt) {
      say({ paused: seq }); // its batch's transaction is open
      await sleep(1_000);
    }
  },
};
const reactor: Reactor<unknown> = {
  name: table,
  stream: projection.stream,
  parse: (raw) => raw,
  async handle({ seq }) {
    await db.query(`INSERT INTO ${table} (seq, holder) VALUES ($1, $2)`, [seq, leases.holder]);
    if (applyMs) await sleep(applyMs);
    if (seq === pauseAt) {
      say({ paused: seq }); // its batch in hand, unacknowledged
      await sleep(1_000);
    }
  },
};
const onError = (err: unknown) => say({ error: describeError(err) });
const run = (fence: WriteFence) => {
  const runner =
    env.KEELSON_RUNNER === 'reactor'
      ? new ReactorRunner({ nc, naming: config.naming, reactor, batchSize: 10, fence, onError })
      : new ProjectionRunner({ nc, naming: config.naming, db, projection, batchSize: 10, fence, onError });
  return { name: table, start: () => runner.start(), stop: () => runner.stop() };
};
const kind = env.KEELSON_RUNNER === 'reactor' ? 'react' : 'proj';
const worker = leases.singleActive(table, `${config.naming.streamPrefix}${kind}-${table}`, run);
await worker.start();
say({ started: leases.holder });
process.once('SIGTERM', () => {
  void Promise.resolve(worker.stop()).then(async () => {
    await db.close();
    await nc.close();
    process.exit(0);
  });
});
