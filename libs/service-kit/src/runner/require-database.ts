import type { Database } from '@keelson/postgres';

/**
 * The database guard: the service's database, or a clear error saying why this service cannot run
 * without one (`KEELSON_DATABASE_URL` is optional only for services that keep no tables).
 */
export function requireDatabase(db: Database | null, service: string, why: string): Database {
  if (!db) throw new Error(`${service}: KEELSON_DATABASE_URL is required (${why})`);
  return db;
}
