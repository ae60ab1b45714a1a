import type { Database } from './database.js';
import { databaseSchemaVersion, stampDatabaseSchema } from './database-schema.js';

/** One forward-only schema change. Ids sort in the order they must run, e.g. `audit-0001-entries`. */
export interface Migration {
  id: string;
  sql: string;
}

// Any fixed number works; it only serialises migration runs of replicas starting together.
const migrationLock = 7_431_880_211;

/**
 * Applies the migrations that have not run yet, in one transaction, in id order. Replicas starting at
 * once take turns through an advisory lock, so each migration runs once. A database a newer release
 * migrated is refused first (`DatabaseSchemaRefused`), changing nothing; `schemaVersion` is for specs.
 */
export async function migrate(db: Database, migrations: Migration[], schemaVersion = databaseSchemaVersion): Promise<string[]> {
  const applied: string[] = [];
  await db.transaction(async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
    await stampDatabaseSchema(sql, schemaVersion);
    await sql.query(`CREATE TABLE IF NOT EXISTS keelson_migrations (
      id text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await sql.query<{ id: string }>('SELECT id FROM keelson_migrations')).map((r) => r.id));
    for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (done.has(m.id)) continue;
      await sql.query(m.sql);
      await sql.query('INSERT INTO keelson_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
  });
  return applied;
}
