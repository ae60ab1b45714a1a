import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams } from '@keelson/event-store';
import { databaseSchemaVersion, migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase } from '@keelson/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadServiceConfig } from '../index.js';
import { RunnerBench, stream } from '../test-fixtures/runner-bench.js';
import type { DeclaredWorker, ModuleDeclaration, ReactorDeclaration } from './module-declaration.js';
import { ServiceRunner } from './service-runner.js';

describe('service-runner: one order of start and the reverse order of stop', () => {
  const bench = new RunnerBench();
  const { naming, config, log, worker, runnerOf } = bench;
  let nc: NatsConnection;
  let db: Database;

  beforeAll(async () => ({ nc, db } = await bench.open()));
  afterAll(() => bench.close());
  beforeEach(() => void log.splice(0));

  describe('when a step fails', () => {
    it('names the module and the step, and does not start what comes after', async () => {
      const broken: ModuleDeclaration = {
        module: 'broken',
        database: 'spec',
        migrations: [{ id: 'runner-spec-broken', sql: 'CREATE TABLEE nope (id int)' }],
      };
      const after: ModuleDeclaration = { module: 'after', projections: [worker('after projection', async () => 'ran')] };
      await expect(runnerOf([broken, after]).prepare()).rejects.toThrow(/^broken: migrations failed: syntax error at or near "TABLEE"$/);
      expect(log).toEqual([]);
    });

    it('stops what had started when a reactor cannot start', async () => {
      // A reactor on a stream nobody declared: its durable consumer cannot be created.
      const reactor = {
        name: 'runner-spec-failing',
        stream: stream('EV_ABSENT', 'ev.absent'),
        parse: (raw: unknown) => raw,
        handle: async () => undefined,
      };
      const failing: ReactorDeclaration<unknown> = { name: 'failing', reactor };
      const runner = runnerOf([{ module: 'half', projections: [worker('half projection', async () => 'ok')], reactors: [failing] }]);
      await expect(runner.start()).rejects.toThrow(/^half: reactor 'failing' failed: /);
      expect(log).toEqual(['start half projection (ok)', 'stop half projection']);
    });

    it('names a worker that fails by its name', async () => {
      const failing: DeclaredWorker = {
        name: 'key check',
        replicas: 'every-replica',
        start: () => Promise.reject(new Error('wrong secret')),
        stop: () => undefined,
      };
      await expect(runnerOf([{ module: 'keys', projections: [failing] }]).start()).rejects.toThrow(
        "keys: 'key check' failed: wrong secret",
      );
    });

    it('refuses to start against a stream of another replica count, and changes nothing', async () => {
      const owned = stream('EV_SCALED', 'ev.scaled');
      const jsm = await jetstreamManager(nc);
      await applyStreams(jsm, naming, [owned], { replicas: 1 });
      const clustered = loadServiceConfig('runner-spec', { ...config.env, KEELSON_STREAM_REPLICAS: '3' });
      const runner = new ServiceRunner({ nc, config: clustered, db, modules: [{ module: 'scaled', streams: [owned] }], pollMs: 50 });
      await expect(runner.prepare()).rejects.toThrow(
        `scaled: streams failed: stream ${naming.streamPrefix}EV_SCALED has 1 replica(s), this service is configured for 3 (KEELSON_STREAM_REPLICAS): refusing to start`,
      );
      expect((await jsm.streams.info(`${naming.streamPrefix}EV_SCALED`)).config.num_replicas).toBe(1);
    });

    it('refuses to start against a database a newer release migrated, and changes nothing', async () => {
      const newerDb = await createTestDatabase();
      const migrated = await openDatabase({ url: newerDb.url });
      try {
        await migrate(migrated, [], databaseSchemaVersion + 1); // what the newer release stamped
        const tables: ModuleDeclaration = {
          module: 'tables',
          database: 'spec',
          migrations: [{ id: 'runner-spec-newer', sql: 'CREATE TABLE runner_spec_newer (id int)' }],
        };
        await expect(runnerOf([tables], migrated).prepare()).rejects.toThrow(
          `tables: migrations failed: the database was migrated by a newer Keelson (database schema ${databaseSchemaVersion + 1}, this release migrates to ${databaseSchemaVersion})`,
        );
        expect(await migrated.query('SELECT to_regclass($1) AS t', ['runner_spec_newer'])).toEqual([{ t: null }]);
      } finally {
        await migrated.close();
        await newerDb.drop();
      }
    });

    it('refuses a module with tables when the service has no database', async () => {
      const tables: ModuleDeclaration = {
        module: 'tables',
        database: 'its read model lives there',
        migrations: [{ id: 'runner-spec-x', sql: 'SELECT 1' }],
      };
      await expect(runnerOf([tables], null).prepare()).rejects.toThrow(
        'tables: migrations failed: runner-spec: KEELSON_DATABASE_URL is required (its read model lives there)',
      );
    });
  });
});
