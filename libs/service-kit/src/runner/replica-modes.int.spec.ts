import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, type Projection, type StreamDeclaration } from '@keelson/event-store';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { loadServiceConfig } from '../config.js';
import { openLeaseBucket } from '../lease/lease-bucket.js';
import type { ReplicaMode } from './module-declaration.js';
import { ServiceRunner } from './service-runner.js';

const stream: StreamDeclaration = { name: 'EV_MODES', subjects: ['ev.modes.>'], description: 'replica modes spec' };
const projection = (name: string): Projection<unknown> => ({ name, stream, parse: (raw) => raw, apply: async () => undefined });

describe('service-runner: how a projection runs with replicas', () => {
  const naming = testNamespace();
  const config = loadServiceConfig('modes-spec', { KEELSON_NATS_URL: 'nats://unused', KEELSON_STREAM_PREFIX: naming.streamPrefix, KEELSON_SUBJECT_PREFIX: naming.subjectPrefix });
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
    new ServiceRunner({ nc, config, db, modules: [{ module: 'modes', projections: [{ name, projection: projection(name), ...(replicas ? { replicas } : {}) }] }] });

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
});
