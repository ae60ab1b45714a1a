import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, ProjectionRunner, type Projection, type StreamDeclaration } from '@keelson/event-store';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { loadServiceConfig } from '../config.js';
import { openLeaseBucket } from './lease-bucket.js';
import { RunnerLease, type LeaseTiming } from './runner-lease.js';

// Long enough that neither holder needs to renew during the spec.
const timing: LeaseTiming = { ttlMs: 20_000, renewMs: 5_000, pollMs: 1_000, marginMs: 2_500 };
const stream: StreamDeclaration = { name: 'EV_RESET', subjects: ['ev.reset.>'], description: 'lease bucket reset spec' };

describe('a lease bucket made again (its revisions start at 1 again)', () => {
  const naming = testNamespace();
  const config = loadServiceConfig('reset-spec', {
    KEELSON_NATS_URL: 'nats://unused',
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
  });
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    nc = await connectTestNats();
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await applyStreams(await jetstreamManager(nc), naming, [stream]);
    await db.query('CREATE TABLE reset_applied (seq bigint NOT NULL, holder text NOT NULL)');
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
    await nc.close();
  });

  const runnerUnder = (lease: RunnerLease) => {
    const projection: Projection<unknown> = {
      name: 'reset-read-model',
      stream,
      parse: (raw) => raw,
      apply: async (sql, { seq }) => void (await sql.query('INSERT INTO reset_applied (seq, holder) VALUES ($1, $2)', [seq, lease.holder])),
    };
    return new ProjectionRunner({ nc, naming: config.naming, db, projection, fence: lease });
  };
  const appliedBy = async (holder: string) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM reset_applied WHERE holder = $1', [holder]))[0]!.n);
  const storedFence = async () =>
    Number((await db.query<{ fence: string }>(`SELECT fence FROM projection_checkpoints WHERE projection = 'reset-read-model'`))[0]!.fence);
  async function applyOne(holder: string): Promise<void> {
    const before = await appliedBy(holder);
    await jetstream(nc).publish(`${naming.subjectPrefix}ev.reset.one`, JSON.stringify({ type: 'Tick', schemaVersion: 1, data: {} }));
    for (let i = 0; i < 100 && (await appliedBy(holder)) === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await appliedBy(holder)).toBe(before + 1);
  }

  it('lets the next holder write, with a token above every stored one', async () => {
    const first = await openLeaseBucket(nc, config, timing.ttlMs);
    for (let i = 0; i < 10; i++) await first.put(`other-runner-${i}`, 'someone'); // revisions are the bucket's, over all keys
    const a = new RunnerLease(first, 'reset-read-model', 'a', timing);
    expect(await a.tryAcquire()).toBe(true);
    const runA = runnerUnder(a);
    await runA.start();
    await applyOne('a');
    await runA.stop();
    await a.release();
    expect(await storedFence()).toBe(a.token);

    await first.destroy();
    const again = await openLeaseBucket(nc, config, timing.ttlMs);
    const b = new RunnerLease(again, 'reset-read-model', 'b', timing);
    expect(await b.tryAcquire()).toBe(true);
    expect(b.token).toBeLessThan(a.token);
    const runB = runnerUnder(b);
    await runB.start();
    await applyOne('b');
    // Above the earlier holder's token: a write of it, were it still running, is refused (`claimFence`).
    expect(await storedFence()).toBe(a.token + 1);
    await runB.stop();
    await b.release();
  }, 60_000);
});
