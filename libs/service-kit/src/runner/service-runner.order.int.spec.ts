import type { NatsConnection } from '@nats-io/transport-node';
import type { Database } from '@keelson/postgres';
import { jetstreamManager } from '@nats-io/jetstream';
import { applyStreams } from '@keelson/event-store';
import { RunnerBench, stream } from '../test-fixtures/runner-bench.js';
import type { DeclaredWorker, ModuleDeclaration } from './module-declaration.js';

describe('service-runner: one order of start and the reverse order of stop', () => {
  const bench = new RunnerBench();
  const { naming, log, worker, runnerOf } = bench;
  let nc: NatsConnection;
  let db: Database;

  const streamExists = (name: string) =>
    jetstreamManager(nc)
      .then((jsm) => jsm.streams.info(`${naming.streamPrefix}${name}`))
      .then(
        () => true,
        () => false,
      );
  const tableExists = (table: string) =>
    db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]).then((rows) => rows[0]?.t !== null);

  beforeAll(async () => ({ nc, db } = await bench.open()));
  afterAll(() => bench.close());
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
