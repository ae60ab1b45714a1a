import type { Database } from '@keelson/postgres';
import { requireDatabase } from '@keelson/service-kit';

/** Why the audit service needs its database, in the refusal when it has none. */
export const auditTables = 'the audit log lives there';

/** The audit log lives in the audit service's own database; without one the service cannot run. */
export function auditDatabase(db: Database | null): Database {
  return requireDatabase(db, 'audit', auditTables);
}
