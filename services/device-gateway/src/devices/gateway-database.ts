import type { Database } from '@keelson/postgres';
import { requireDatabase } from '@keelson/service-kit';

/** Why the device half of the gateway needs its database, in the refusal when it has none. */
export const deviceTables = 'device and group read models live there';

/** The device half of the gateway keeps its read models in the gateway's own database. */
export function gatewayDatabase(db: Database | null): Database {
  return requireDatabase(db, 'device-gateway', deviceTables);
}
