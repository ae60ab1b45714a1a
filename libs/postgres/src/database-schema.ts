import type { Sql } from './database.js';

/**
 * The version of the database schemas this release migrates to, stamped into each service's
 * database. A release whose migrations an older one must not run against (a table it would misread,
 * a column it would not fill) raises it; an older release then refuses that database.
 */
export const databaseSchemaVersion = 1;

/** The database was migrated by a newer release: this process refuses it rather than run against it. */
export class DatabaseSchemaRefused extends Error {
  override readonly name = 'DatabaseSchemaRefused';
}

/**
 * Inside the migration transaction, before any migration: refuses (the transaction then changes
 * nothing) a database stamped with a version above `ours`, else stamps it with `ours`.
 */
export async function stampDatabaseSchema(sql: Sql, ours = databaseSchemaVersion): Promise<void> {
  await sql.query(`CREATE TABLE IF NOT EXISTS keelson_schema (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version integer NOT NULL
  )`);
  const [stamped] = await sql.query<{ version: number }>('SELECT version FROM keelson_schema');
  if (stamped && stamped.version > ours) {
    throw new DatabaseSchemaRefused(
      `the database was migrated by a newer Keelson (database schema ${stamped.version}, this release migrates to ${ours}): ` +
        'refusing to start rather than run against it; run the newer release',
    );
  }
  if (!stamped || stamped.version < ours) {
    await sql.query('INSERT INTO keelson_schema (version) VALUES ($1) ON CONFLICT (only_row) DO UPDATE SET version = EXCLUDED.version', [
      ours,
    ]);
  }
}
