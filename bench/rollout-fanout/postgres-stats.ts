import pg from 'pg';

/** pg_stat_database counters of one database (one service's). */
export interface DatabaseCounts {
  xactCommit: number;
  xactRollback: number;
  tupReturned: number;
  tupFetched: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
}

export interface StatementCount {
  database: string;
  calls: number;
  totalMs: number;
  rows: number;
  query: string;
}

/** What PostgreSQL did in the window, per database, and its statements (pg_stat_statements). */
export interface PostgresWindow {
  databases: Record<string, DatabaseCounts>;
  /** Every normalised statement executed in the window, most calls first; BEGIN and COMMIT included. */
  statements: StatementCount[];
}

const countsQuery = `select datname, xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted
  from pg_stat_database where datname is not null and not datname like 'template%'`;

async function databaseCounts(client: pg.Client): Promise<Record<string, DatabaseCounts>> {
  const { rows } = await client.query<Record<string, string>>(countsQuery);
  return Object.fromEntries(
    rows.map((r) => [
      r.datname!,
      {
        xactCommit: Number(r.xact_commit),
        xactRollback: Number(r.xact_rollback),
        tupReturned: Number(r.tup_returned),
        tupFetched: Number(r.tup_fetched),
        tupInserted: Number(r.tup_inserted),
        tupUpdated: Number(r.tup_updated),
        tupDeleted: Number(r.tup_deleted),
      },
    ]),
  );
}

/**
 * Starts counting: needs the server started with `shared_preload_libraries=pg_stat_statements`.
 * pg_stat_statements counts at once; pg_stat_database lags by up to a second (backends flush their
 * counters when idle, at most once a second), which is noise over a window of tens of seconds.
 */
export async function postgresWindow(adminUrl: string): Promise<{ stop(): Promise<PostgresWindow> }> {
  const client = new pg.Client({ connectionString: adminUrl });
  // PostgreSQL may go away first when a failed run is torn down: say so, do not crash the clean-up.
  client.on('error', (err) => console.error(`bench: postgres statistics connection: ${err.message}`));
  await client.connect();
  try {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query('select pg_stat_statements_reset()');
  } catch (err) {
    await client.end();
    throw err;
  }
  const before = await databaseCounts(client);
  return {
    async stop() {
      try {
        const after = await databaseCounts(client);
        const databases: Record<string, DatabaseCounts> = {};
        for (const [name, a] of Object.entries(after)) {
          const b = before[name];
          databases[name] = Object.fromEntries(
            Object.entries(a).map(([k, v]) => [k, v - (b?.[k as keyof DatabaseCounts] ?? 0)]),
          ) as unknown as DatabaseCounts;
        }
        const { rows } = await client.query<{ datname: string; calls: string; total_exec_time: number; rows: string; query: string }>(
          `select d.datname, s.calls, s.total_exec_time, s.rows, s.query from pg_stat_statements s
             join pg_database d on d.oid = s.dbid order by s.calls desc`,
        );
        const statements = rows.map((r) => ({
          database: r.datname,
          calls: Number(r.calls),
          totalMs: r.total_exec_time,
          rows: Number(r.rows),
          query: r.query.replace(/\s+/g, ' ').slice(0, 300),
        }));
        return { databases, statements };
      } finally {
        await client.end();
      }
    },
  };
}
