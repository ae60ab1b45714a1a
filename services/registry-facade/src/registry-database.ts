import type { Database } from '@keelson/postgres';
import { requireDatabase } from '@keelson/service-kit';

/** Why the facade cannot run without its database. */
export const registryTables = 'the artifact, TUF and registry connection read models and the sealed registry credentials live there';

/** The facade's read models (artifacts, TUF metadata) live in its own PostgreSQL database. */
export function registryDatabase(db: Database | null): Database {
  return requireDatabase(db, 'registry-facade', registryTables);
}
