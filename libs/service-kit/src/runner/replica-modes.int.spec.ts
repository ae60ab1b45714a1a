import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, type Projection, type StreamDeclaration } from '@keelson/event-store';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { loadServiceConfig } from '../config.js';
import { openLeaseBucket } from '../lease/lease-bucket.js';
import { LEASE_TIMING } from '../lease/runner-lease.js';
import type { DeclaredWorker, ReplicaMode, WorkerReplicaMode } from './module-declaration.js';
import { ServiceRunner } from './service-runner.js';

const stream: StreamDeclaration = { name: 'EV_MODES', subjects: ['ev.modes.>'], description: 'replica modes spec' };
const projection = (name: string): Projection<unknown> => ({ name, stream, parse: (raw) => raw, apply: async () => undefined });

describe('service-runner: how a projection runs with replicas', () => {
  const naming = testNamespace();
  const config = loadServiceConfig('modes-spec', {
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
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
    await nc.close();
  });

  const holderOf = async (key: string) => {
    const entry = await (await openLeaseBucket(nc, config)).get(key);
    return entry?.operation === 'PUT' ? entry.string() : null; // a released lease is a delete marker
  };
  const run = (name: string, replicas?: ReplicaMode) =>
    new ServiceRunner({
      nc,
      config,
      db,
      modules: [{ module: 'modes', projections: [{ name, projection: projection(name), ...(replicas ? { replicas } : {}) }] }],
    });

  it('runs a projection single-active by default: it holds the lease while it runs and gives it up on stop', async () => {
    const runner = run('single');
    await runner.start();
    expect(await holderOf(`${naming.streamPrefix}proj-single`)).not.toBeNull();
    await runner.stop();
    expect(await holderOf(`${naming.streamPrefix}proj-single`)).toBeNull();
  });

  it('takes no lease for a partitioned projection', async () => {
    const runner = run('shared', 'partitioned');
    await runner.start();
    expect(await holderOf(`${naming.streamPrefix}proj-shared`)).toBeNull();
    await runner.stop();
  });

  describe('a worker (a timer, a consumer of its own) in two replicas', () => {
    const runs: string[] = [];
    const replicaOf = (replica: string, replicas: WorkerReplicaMode) => {
      const worker: DeclaredWorker = {
        name: `${replicas} sweep`,
        replicas,
        start: () => void runs.push(`start ${replica}`),
        stop: () => void runs.push(`stop ${replica}`),
      };
      return new ServiceRunner({ nc, config, db, modules: [{ module: 'timers', reactors: [worker] }] });
    };
    beforeEach(() => void runs.splice(0));

    it('runs a single-active one in one replica only, and in the other once the first stops', async () => {
      const [a, b] = [replicaOf('a', 'single-active'), replicaOf('b', 'single-active')];
      await a.start();
      await b.start();
      await new Promise((r) => setTimeout(r, LEASE_TIMING.renewMs + LEASE_TIMING.pollMs)); // a renewal and a standby's poll
      expect(runs).toEqual(['start a']);
      expect(await holderOf(`${naming.streamPrefix}worker-timers-single-active_sweep`)).not.toBeNull();
      await a.stop();
      for (let i = 0; i < 30 && runs.length < 3; i++) await new Promise((r) => setTimeout(r, 100)); // the released lease: taken at the next poll
      expect(runs).toEqual(['start a', 'stop a', 'start b']);
      await b.stop();
    });

    it('runs an every-replica one in both', async () => {
      const [a, b] = [replicaOf('a', 'every-replica'), replicaOf('b', 'every-replica')];
      await a.start();
      await b.start();
      expect(runs).toEqual(['start a', 'start b']);
      await Promise.all([a.stop(), b.stop()]);
    });
  });
});
