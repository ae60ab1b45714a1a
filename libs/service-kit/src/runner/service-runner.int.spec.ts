import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, type StreamDeclaration } from '@keelson/event-store';
import { databaseSchemaVersion, migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadServiceConfig } from '../index.js';
import type { DeclaredWorker, ModuleDeclaration, ReactorDeclaration } from './module-declaration.js';
import { ServiceRunner } from './service-runner.js';

const stream = (name: string, subject: string): StreamDeclaration => ({
  name,
  subjects: [`${subject}.>`],
  description: `service-runner spec: ${name}`,
});

describe('service-runner: one order of start and the reverse order of stop', () => {
  const naming = testNamespace();
  const config = loadServiceConfig('runner-spec', {
    KEELSON_NATS_URL: 'nats://unused',
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
  });
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let db: Database;
  const log: string[] = [];

  const streamExists = (name: string) =>
    jetstreamManager(nc)
      .then((jsm) => jsm.streams.info(`${naming.streamPrefix}${name}`))
      .then(
        () => true,
        () => false,
      );
  const tableExists = (table: string) =>
    db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]).then((rows) => rows[0]?.t !== null);
  /** A worker that notes what it could see when it started, and that it stopped. */
  const worker = (name: string, sees: () => Promise<string>): DeclaredWorker => ({
    name,
    replicas: 'every-replica',
    start: async () => void log.push(`start ${name} (${await sees()})`),
    stop: () => void log.push(`stop ${name}`),
  });
  const runnerOf = (modules: ModuleDeclaration[], database: Database | null = db) =>
    new ServiceRunner({ nc, config, db: database, modules, pollMs: 50 });

  beforeAll(async () => {
    nc = await connectTestNats();
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
    await nc.close();
  });
  beforeEach(() => void log.splice(0));

  // Commands after the reactors, stopped first: request-server.lifecycle.int.spec.ts (they need a Nest app).
  it('starts streams, migrations, connections, projections, reactors for every module in turn, and stops in reverse', async () => {
    const module = (m: string): ModuleDeclaration => ({
      module: m,
      database: 'the spec keeps a table there',
      streams: [stream(`EV_${m.toUpperCase()}`, `ev.${m}`)],
      migrations: [{ id: `runner-spec-${m}`, sql: `CREATE TABLE runner_spec_${m} (id int)` }],
      connections: [worker(`${m} connection`, async () => `table: ${await tableExists(`runner_spec_${m}`)}`)],
      projections: [
        worker(
          `${m} projection`,
          async () => `stream: ${await streamExists(`EV_${m.toUpperCase()}`)}, table: ${await tableExists(`runner_spec_${m}`)}`,
        ),
      ],
      reactors: [
        worker(
          `${m} reactor`,
          async () => `projections: ${log.filter((l) => l.endsWith(' projection (stream: true, table: true)')).length}`,
        ),
      ],
    });
    const runner = runnerOf([module('a'), module('b')]);
    await runner.prepare();
    await runner.start();
    await runner.stop();
    expect(log).toEqual([
      'start a connection (table: true)',
      'start b connection (table: true)',
      'start a projection (stream: true, table: true)',
      'start b projection (stream: true, table: true)',
      'start a reactor (projections: 2)',
      'start b reactor (projections: 2)',
      'stop b reactor',
      'stop a reactor',
      'stop b projection',
      'stop a projection',
      'stop b connection',
      'stop a connection',
    ]);
  });

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

  describe('when a module needs a stream another service declares', () => {
    it('waits for it without holding up the rest, then starts the module', async () => {
      const later = stream('EV_LATER', 'ev.later');
      const waiting: ModuleDeclaration = {
        module: 'waiting',
        needs: [{ stream: later, owner: 'spec' }],
        projections: [worker('waiting projection', async () => 'stream there')],
      };
      const own: ModuleDeclaration = { module: 'own', projections: [worker('own projection', async () => 'started')] };
      const runner = runnerOf([waiting, own]);
      await runner.start();
      await new Promise((r) => setTimeout(r, 200)); // four polls
      expect(log).toEqual(['start own projection (started)']);
      await applyStreams(await jetstreamManager(nc), naming, [later]);
      for (let i = 0; i < 200 && log.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
      expect(log).toEqual(['start own projection (started)', 'start waiting projection (stream there)']);
      expect(runner.heldModules()).toEqual({ waiting: [], failed: [] });
      await runner.stop();
    });

    it('holds a module as waiting, then as failed when its start fails after the wait', async () => {
      const soon = stream('EV_SOON', 'ev.soon');
      const failing: DeclaredWorker = {
        name: 'key check',
        replicas: 'every-replica',
        start: () => Promise.reject(new Error('wrong secret')),
        stop: () => undefined,
      };
      const runner = runnerOf([{ module: 'late', needs: [{ stream: soon, owner: 'spec' }], projections: [failing] }]);
      await runner.start();
      expect(runner.heldModules()).toEqual({ waiting: [`late: waiting for ${naming.streamPrefix}EV_SOON`], failed: [] });
      await applyStreams(await jetstreamManager(nc), naming, [soon]);
      for (let i = 0; i < 200 && !runner.heldModules().failed.length; i++) await new Promise((r) => setTimeout(r, 25));
      expect(runner.heldModules()).toEqual({ waiting: [], failed: ["late: 'key check' failed: wrong secret"] });
      await runner.stop();
    });

    it('stops at once while still waiting', async () => {
      const never: ModuleDeclaration = {
        module: 'never',
        needs: [{ stream: stream('EV_NEVER', 'ev.never'), owner: 'spec' }],
        projections: [worker('never', async () => 'x')],
      };
      const runner = runnerOf([never]);
      await runner.start();
      await runner.stop();
      expect(log).toEqual([]);
    });
  });
});
