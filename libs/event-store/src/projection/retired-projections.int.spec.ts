import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import {
  applyStreams,
  EventStore,
  ProjectionRunner,
  readCheckpoint,
  retireProjections,
  type Projection,
  type StreamDeclaration,
} from '../index.js';
import { inc, parseCounterEvent, type CounterEvent } from '../test-fixtures/counter.js';

const decl: StreamDeclaration = { name: 'EV_RETIRED', subjects: ['ev.counter.>'], description: 'retired projection tests' };
const counting = (name: string): Projection<CounterEvent> => ({
  name,
  stream: decl,
  parse: parseCounterEvent,
  apply: async () => undefined,
});

describe('retiring projections a release no longer runs', () => {
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  const naming = testNamespace();
  const consumers = async () => {
    const names: string[] = [];
    for await (const c of (await jetstreamManager(nc)).consumers.list(`${naming.streamPrefix}${decl.name}`)) names.push(c.name);
    return names.sort();
  };

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [decl]);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await db.close();
    await nc.close();
    await tdb.drop();
  });

  it('deletes the old consumer and checkpoint, keeps the current ones, and is a no-op the second time', async () => {
    // A fresh database (no projection ever ran): nothing to delete, no checkpoints table yet either.
    expect(await retireProjections(nc, naming, db, [{ name: 'old-totals', stream: decl }])).toEqual([]);
    const store = new EventStore({ nc, naming, stream: decl, parse: parseCounterEvent });
    const subject = store.subject('counter', 'f1', 'a');
    const { lastSeq } = (await store.append(subject, 0, [inc(1)], {
      actor: { kind: 'operator', id: 'ada' },
      correlationId: 'c',
      commandId: 'one',
    }))!;
    for (const name of ['old-totals', 'new-totals']) {
      const runner = new ProjectionRunner({ nc, naming, db, projection: counting(name), batchSize: 10, retryDelayMs: 50 });
      await runner.start();
      while ((await db.transaction((sql) => readCheckpoint(sql, name))) < lastSeq) await new Promise((r) => setTimeout(r, 25));
      await runner.stop();
    }
    expect(await consumers()).toEqual([`${naming.streamPrefix}proj-new-totals`, `${naming.streamPrefix}proj-old-totals`]);

    const retired = [
      { name: 'old-totals', stream: decl },
      { name: 'never-ran', stream: decl },
    ];
    expect(await retireProjections(nc, naming, db, retired)).toEqual([`${naming.streamPrefix}proj-old-totals`]);
    expect(await consumers()).toEqual([`${naming.streamPrefix}proj-new-totals`]);
    expect(await db.transaction((sql) => readCheckpoint(sql, 'old-totals'))).toBe(0);
    expect(await db.transaction((sql) => readCheckpoint(sql, 'new-totals'))).toBe(lastSeq);
    expect(await retireProjections(nc, naming, db, retired)).toEqual([]);
  });
});
