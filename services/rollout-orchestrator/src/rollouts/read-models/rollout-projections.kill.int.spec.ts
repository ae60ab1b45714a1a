import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, type Projection } from '@keelson/event-store';
import { parseRolloutEvent, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testEnv, testNamespace, type TestDatabase } from '@keelson/testing';
import { inFleet, projectionRowsOf, twoRolloutHistory } from '../../test-fixtures/rollout-projection-rows.js';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';
import { rolloutClaimsProjection } from './rollout-claims.projection.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutViewsProjection } from './rollout-views.projection.js';

// The process under test runs the built service (dist/): `npm run build` before running this spec.
const processFile = fileURLToPath(new URL('../../test-fixtures/rollout-projections-process.ts', import.meta.url));
const projections = [rolloutViewsProjection, rolloutClaimsProjection] as Projection<RolloutEvent>[];
const meta = { actor: { kind: 'system' as const, id: 'spec' }, correlationId: 'c', commandId: 'c' };

describe('the rollout views and claims projections SIGKILLed in the middle of a batch', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<RolloutEvent>;
  let n = 0;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator]);
    store = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, [...rolloutsMigrations, ...rolloutClaimsMigrations]);
  });
  afterAll(async () => {
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  });

  function startProcess(
    kill: Record<string, string> = {},
  ): Promise<{ child: ChildProcess; lines: unknown[]; exited: Promise<NodeJS.Signals | number | null> }> {
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

  /** Appends the history one event at a time; returns each event's stream sequence. */
  async function appendHistory(events: RolloutEvent[]): Promise<number[]> {
    const seqs: number[] = [];
    for (const e of events) {
      const subject = store.subject('rollout', e.data.fleet, e.data.rolloutId);
      seqs.push((await store.append(subject, (await store.load(subject)).lastSeq, [e], { ...meta, commandId: `cmd-${++n}` }))!.lastSeq);
    }
    return seqs;
  }

  const checkpoints = async () =>
    db.query<{ projection: string; last_seq: string }>('SELECT projection, last_seq FROM projection_checkpoints');

  async function killedAndRestarted(fleet: string, step: 'batch-written' | 'batch-committed', seed: number) {
    const events = inFleet(twoRolloutHistory(seed), fleet);
    expect(events.length).toBeGreaterThan(40); // batches of 10: the kill comes with many to go
    const seqs = await appendHistory(events);
    const last = seqs.at(-1)!;
    // The reference: every event applied alone, at its sequence, into another fleet.
    const reference = `${fleet}-ref`;
    for (const [i, event] of inFleet(events, reference).entries()) {
      for (const p of projections)
        await db.transaction((sql) => p.apply(sql, { event, seq: seqs[i]!, subject: 'x', time: new Date(), meta }));
    }

    const armed = await startProcess({ KEELSON_KILL_AT: step, KEELSON_KILL_BATCH: '2' });
    expect(await armed.exited).toBe('SIGKILL');
    expect(armed.lines.at(-1)).toEqual({ killedAt: step });
    expect((await checkpoints()).some((c) => Number(c.last_seq) < last)).toBe(true); // killed before the end

    const restarted = await startProcess();
    await eventually(async () => (await checkpoints()).filter((c) => Number(c.last_seq) >= last).length === projections.length);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
    expect(await projectionRowsOf(db, fleet)).toEqual(await projectionRowsOf(db, reference));
  }

  it('loses nothing when killed with a batch written and not committed: the batch comes again and applies once', async () => {
    await killedAndRestarted('kill-written', 'batch-written', 11);
  }, 180_000);

  it('doubles nothing when killed with a batch committed and not acknowledged: the redelivery changes nothing', async () => {
    await killedAndRestarted('kill-committed', 'batch-committed', 12);
  }, 180_000);
});
