// A process of its own for rollout-projections.kill.int.spec.ts, run as `node rollout-projections-process.ts`
// (Node strips the types; the service's code comes from its built dist/, as the service loads it).
// It runs the rollout views and claims projections and SIGKILLs itself in the KEELSON_KILL_BATCH-th
// transaction that applies events, at the step KEELSON_KILL_AT names: written and not committed, or committed
// and not acknowledged. Only those transactions count: the runners' migrations, checkpoint reads and consumer
// set-up are transactions too, and one runner may finish its whole backlog while the other is still starting.
import { writeSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { ProjectionRunner, type Projection } from '@keelson/event-store';
import type { RolloutEvent } from '@keelson/events';
import { openDatabase, type Database } from '@keelson/postgres';
import { rolloutClaimsProjection } from '../../dist/rollouts/read-models/rollout-claims.projection.js';
import { rolloutViewsProjection } from '../../dist/rollouts/read-models/rollout-views.projection.js';

type Step = 'batch-written' | 'batch-committed';
const env = process.env;
const killAt = env.KEELSON_KILL_AT as Step | undefined;
const killBatch = Number(env.KEELSON_KILL_BATCH ?? 1);
let transactions = 0;
const applying = new WeakSet<object>(); // the transaction handles an event was applied in

// Synchronous, so the line is out before the kill: the spec reads it as the reason the process died.
function passed(step: Step): void {
  if (step !== killAt || transactions !== killBatch) return;
  writeSync(1, `${JSON.stringify({ killedAt: step })}\n`);
  process.kill(process.pid, 'SIGKILL');
}

const nc = await connect({
  servers: env.KEELSON_NATS_URL,
  user: env.KEELSON_NATS_USER,
  pass: env.KEELSON_NATS_PASS,
  name: 'rollout-projections-process',
});
const opened = await openDatabase({ url: env.KEELSON_DATABASE_URL! });
const db: Database = {
  ...opened,
  orm: opened.orm,
  transaction: async (fn) => {
    let applied = false;
    const result = await opened.transaction(async (sql) => {
      const out = await fn(sql);
      applied = applying.has(sql);
      if (applied) transactions++;
      if (applied) passed('batch-written');
      return out;
    });
    if (applied) passed('batch-committed');
    return result;
  },
};
/** The projection, noting each transaction it applies events in. */
function noting(projection: Projection<RolloutEvent>): Projection<RolloutEvent> {
  const { apply, applyBatch } = projection;
  return {
    ...projection,
    apply: (sql, event) => (applying.add(sql), apply.call(projection, sql, event)),
    ...(applyBatch
      ? {
          applyBatch: (sql: Parameters<typeof applyBatch>[0], events: Parameters<typeof applyBatch>[1]) => (
            applying.add(sql),
            applyBatch.call(projection, sql, events)
          ),
        }
      : {}),
  };
}
const naming = { streamPrefix: env.KEELSON_STREAM_PREFIX!, subjectPrefix: env.KEELSON_SUBJECT_PREFIX! };
const projections = [rolloutViewsProjection, rolloutClaimsProjection] as Projection<RolloutEvent>[];
const runners = projections.map(
  (projection) => new ProjectionRunner({ nc, naming, db, projection: noting(projection), batchSize: 10, retryDelayMs: 50 }),
);
for (const runner of runners) await runner.start();
writeSync(1, `${JSON.stringify({ started: true })}\n`);
process.once('SIGTERM', () => {
  void Promise.all(runners.map((r) => r.stop())).then(async () => {
    await nc.close();
    await opened.close();
    process.exit(0);
  });
});
