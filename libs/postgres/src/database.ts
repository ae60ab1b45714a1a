import { MikroORM } from '@mikro-orm/postgresql';
import { CompiledQuery, type Kysely } from 'kysely';

/** Plain parameterised SQL inside one transaction (or outside any, for reads). */
export interface Sql {
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** One service's read-model database. Read models are projections: any of them can be rebuilt. */
export interface Database {
  /** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** Runs one statement outside an explicit transaction. */
  query<T extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
  readonly orm: MikroORM;
}

// Kysely (MikroORM 7's query layer) takes PostgreSQL's own $1 placeholders as they are; the
// instance MikroORM's connection hands to a `transactional` callback runs in that transaction.
type Executor = Pick<Kysely<unknown>, 'executeQuery'>;

/** What this file uses of MikroORM's Kysely instance (MikroORM brings its own copy of Kysely). */
interface KyselyClient extends Executor {
  transaction(): { execute<T>(callback: (trx: Executor) => Promise<T>): Promise<T> };
}

function sqlOf(kysely: Executor): Sql {
  return {
    async query<T extends object>(text: string, params: unknown[] = []) {
      const result = await kysely.executeQuery<T>(CompiledQuery.raw(text, params));
      return result.rows as T[];
    },
  };
}

/**
 * `fn` in a transaction of Kysely's own, not MikroORM's `transactional`: that one runs on Kysely's
 * controlled transaction, whose failed rollback (0.29.6, MikroORM 7.2's pin) never gives the connection
 * back. A session PostgreSQL ended mid-transaction (a holder frozen past `idle_in_transaction_session_timeout`)
 * then stays checked out for good, and closing the pool waits for it forever. Here the connection
 * goes back to the pool whatever the rollback does, and the pool drops it as unusable. The error is
 * the one that failed the transaction, not the rollback's.
 */
async function inTransaction<T>(client: KyselyClient, fn: (sql: Sql) => Promise<T>): Promise<T> {
  let failure: { err: unknown } | undefined;
  try {
    return await client.transaction().execute((trx) =>
      fn(sqlOf(trx)).catch((err: unknown) => {
        failure = { err };
        throw err;
      }),
    );
  } catch (err) {
    throw failure ? failure.err : err;
  }
}

export interface OpenDatabaseOptions {
  url: string;
  /** Connection pool size per process. */
  poolMax?: number;
  debug?: boolean;
}

/** Opens a database through MikroORM's PostgreSQL driver. Entities arrive with the read models that use them. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: options.url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: options.poolMax ?? 10 },
    debug: options.debug ?? false,
    allowGlobalContext: false,
  });
  // Straight to MikroORM's connection, not through an EntityManager: read models use plain SQL and no
  // entity, and a fork per statement cost a unit of work and two writes to process.env each
  // (`Configuration.set` → `setEnv`: 2.5 % of the orchestrator's busy time in a 1,000-device rollout).
  const client = orm.em.getDriver().getConnection('write').getClient();
  const pool = sqlOf(client);
  return {
    orm,
    transaction: (fn) => inTransaction(client, fn),
    query: (text, params) => pool.query(text, params),
    close: () => orm.close(true),
  };
}
