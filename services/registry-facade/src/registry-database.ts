import type { Database } from '@keelson/postgres';

/** The facade's read models (artifacts, TUF metadata) live in its own PostgreSQL database. */
export function registryDatabase(db: Database | null): Database {
  if (!db) throw new Error('registry-facade: KEELSON_DATABASE_URL is required (the artifact and TUF read models live there)');
  return db;
}
