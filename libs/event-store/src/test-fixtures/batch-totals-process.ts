// A process of its own for projection-runner.kill.int.spec.ts, run as `node batch-totals-process.ts`
// (Node strips the types; the libraries come from their built dist/). It feeds a batch projection
// that is not idempotent by itself, so an event applied twice or not at all shows in its totals,
// and it SIGKILLs itself at the step KEELSON_KILL_AT names, in the batch KEELSON_KILL_BATCH counts.
import { writeSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { ProjectionRunner, type Projection } from '../../dist/index.js'; // the built library, as a service loads it
import { openDatabase, type Database } from '@keelson/postgres';

type Step = 'batch-written' | 'batch-committed';
const env = process.env;
const table = env.KEELSON_TABLE!;
const killAt = env.KEELSON_KILL_AT as Step | undefined;
const killBatch = Number(env.KEELSON_KILL_BATCH ?? 1);
const batches: Record<Step, number> = { 'batch-written': 0, 'batch-committed': 0 };
let consuming = false; // the runner's own migrations at start are transactions too; they don't count

// Synchronous, so the line is out before the kill: the spec reads it as the reason the process died.
function passed(step: Step): void {
  if (!consuming || step !== killAt || ++batches[step] !== killBatch) return;
  writeSync(1, `${JSON.stringify({ killedAt: step })}\n`);
  process.kill(process.pid, 'SIGKILL');
}

type Increment = { type: string; data: { by: number } };
const applyBatch: NonNullable<Projection<Increment>['applyBatch']> = async (sql, events) => {
  const bySubject = new Map<string, number>();
  for (const { subject, event } of events) bySubject.set(subject, (bySubject.get(subject) ?? 0) + event.data.by);
  await sql.query(
    `INSERT INTO ${table} (subject, total) SELECT subject, total FROM jsonb_to_recordset($1::jsonb) AS r(subject text, total int)
     ON CONFLICT (subject) DO UPDATE SET total = ${table}.total + EXCLUDED.total`,
    [JSON.stringify([...bySubject].map(([subject, total]) => ({ subject, total })))],
  );
  await sql.query(`INSERT INTO ${table}_applied (seq) SELECT unnest($1::bigint[])`, [events.map((e) => e.seq)]);
  passed('batch-written'); // written, not committed
};
const totals: Projection<Increment> = {
  name: table,
  stream: { name: 'EV_KILL', subjects: ['ev.counter.>'], description: 'kill tests' },
  filterSubjects: [`ev.counter.${table.replaceAll('_', '-')}.*`],
  parse: (raw) => raw as Increment,
  applyBatch,
  apply: (sql, event) => applyBatch(sql, [event]),
};

const nc = await connect({
  servers: env.KEELSON_NATS_URL,
  user: env.KEELSON_NATS_USER,
  pass: env.KEELSON_NATS_PASS,
  name: 'batch-totals-process',
});
const opened = await openDatabase({ url: env.KEELSON_DATABASE_URL! });
const db: Database = {
  ...opened,
  orm: opened.orm,
  // Commits as usual, then lets the kill come before the runner acknowledges the batch.
  transaction: async (fn) => {
    const result = await opened.transaction(fn);
    passed('batch-committed');
    return result;
  },
};
const naming = { streamPrefix: env.KEELSON_STREAM_PREFIX!, subjectPrefix: env.KEELSON_SUBJECT_PREFIX! };
const runner = new ProjectionRunner({ nc, naming, db, projection: totals, batchSize: Number(env.KEELSON_BATCH_SIZE), retryDelayMs: 50 });
await runner.start();
consuming = true;
writeSync(1, `${JSON.stringify({ started: true })}\n`);
process.once('SIGTERM', () => {
  void runner.stop().then(async () => {
    await opened.close();
    await nc.close();
    process.exit(0);
  });
});
