import { openDatabase, type Database, type Sql } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { InvalidInput } from '@keelson/domain-kit';
import { ProjectionRunner, type Projection, type StreamDeclaration } from '../index.js';
import { inc, parseCounterEvent, type CounterEvent } from './counter.js';
import { openCounterStore, type CounterStore } from './counter-store.js';

/** The stream the projection runner specs append counter events to. */
export const projectionStream: StreamDeclaration = { name: 'EV_PROJ', subjects: ['ev.counter.>'], description: 'projection tests' };
const decl = projectionStream;

// Adds each increment to a total: not idempotent by itself, so double application shows at once.
export function totals(name: string, failFirst = new Map<number, number>()): Projection<CounterEvent> & { applied: number[] } {
  const applied: number[] = [];
  return {
    name,
    stream: decl,
    parse: parseCounterEvent,
    applied,
    async apply(sql: Sql, r) {
      const left = failFirst.get(r.seq) ?? 0;
      if (left > 0) {
        failFirst.set(r.seq, left - 1);
        throw new Error(`transient failure at ${r.seq}`);
      }
      if (r.event.type !== 'Incremented') return;
      await sql.query(
        `INSERT INTO ${name} (subject, total, actors) VALUES ($1, $2, $3)
         ON CONFLICT (subject) DO UPDATE SET total = ${name}.total + EXCLUDED.total, actors = ${name}.actors || ',' || EXCLUDED.actors`,
        [r.subject, r.event.data.by, r.meta.actor.id],
      );
      applied.push(r.seq);
    },
  };
}

// The same totals written a batch at a time, in one statement; a batch holding `refused` is refused whole.
export function batchTotals(name: string, id: string, refused: number): Projection<CounterEvent> & { batches: number[][] } {
  const batches: number[][] = [];
  const applyBatch: NonNullable<Projection<CounterEvent>['applyBatch']> = async (sql, events) => {
    const increments = events.flatMap((r) => (r.event.type === 'Incremented' ? [{ subject: r.subject, by: r.event.data.by }] : []));
    if (increments.some((i) => i.by === refused))
      throw new InvalidInput('counter.refused', [{ path: ['by'], message: `${refused} is refused` }]);
    await sql.query(
      `INSERT INTO ${name} (subject, total, actors) SELECT subject, sum(by), 'batch' FROM jsonb_to_recordset($1::jsonb) AS r(subject text, by int)
       GROUP BY subject ON CONFLICT (subject) DO UPDATE SET total = ${name}.total + EXCLUDED.total`,
      [JSON.stringify(increments)],
    );
    batches.push(events.map((r) => r.seq));
  };
  return {
    name,
    stream: decl,
    filterSubjects: [`ev.counter.f1.${id}`],
    parse: parseCounterEvent,
    batches,
    applyBatch,
    apply: (sql, event) => applyBatch(sql, [event]),
  };
}

/**
 * A counter store and a database of the run's own for one spec file: appends counter events as an
 * operator, reads a totals table (created on first read), and builds runners on either.
 */
export class ProjectionTestbed {
  private n = 0;

  private constructor(
    readonly s: CounterStore,
    readonly tdb: TestDatabase,
    readonly db: Database,
  ) {}

  static async create(): Promise<ProjectionTestbed> {
    const s = await openCounterStore(decl);
    const tdb = await createTestDatabase();
    return new ProjectionTestbed(s, tdb, await openDatabase({ url: tdb.url }));
  }

  async close(): Promise<void> {
    await this.db.close();
    await this.s.nc.close();
    await this.tdb.drop();
  }

  /** Appends one increment per `by` to `ev.counter.f1.<id>`; returns the subject. */
  append = async (id: string, ...bys: number[]): Promise<string> => {
    const { store } = this.s;
    const subject = store.subject('counter', 'f1', id);
    let seq = (await store.load(subject)).lastSeq;
    for (const by of bys)
      seq = (await store.append(subject, seq, [inc(by)], {
        actor: { kind: 'operator', id: 'ada' },
        correlationId: 'c',
        commandId: `cmd-${++this.n}`,
      }))!.lastSeq;
    return subject;
  };

  total = async (table: string, subject: string): Promise<number | undefined> => {
    await this.db.query(`CREATE TABLE IF NOT EXISTS ${table} (subject text PRIMARY KEY, total int NOT NULL, actors text NOT NULL)`);
    return (await this.db.query<{ total: number }>(`SELECT total FROM ${table} WHERE subject = $1`, [subject]))[0]?.total;
  };

  runner = (
    projection: Projection<CounterEvent>,
    conn = this.s.nc,
    database = this.db,
    fetchExpiresMs = 1000,
  ): ProjectionRunner<CounterEvent> =>
    new ProjectionRunner({ nc: conn, naming: this.s.naming, db: database, projection, batchSize: 20, retryDelayMs: 50, fetchExpiresMs });
}
