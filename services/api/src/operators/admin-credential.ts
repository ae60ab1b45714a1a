import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import type { EventStore } from '@keelson/event-store';
import type { OperatorEvent } from '@keelson/events';
import type { Database, Migration } from '@keelson/postgres';

export const adminCredentialMigrations: Migration[] = [
  {
    id: 'api-admin-credential-0001',
    sql: `CREATE TABLE IF NOT EXISTS admin_credential (
      id int PRIMARY KEY CHECK (id = 1),
      salt text NOT NULL,
      fingerprint text NOT NULL,
      changed_at timestamptz NOT NULL
    )`,
  },
];

// scrypt, not a bare hash: the admin token may be a passphrase an operator chose. The fingerprint stays
// in the api's own database; the event says only that the credential changed.
const fingerprintOf = (token: string, salt: string): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    scrypt(token, Buffer.from(salt, 'base64'), 32, { N: 2 ** 14, r: 8, p: 1 }, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** What the start-up check found: a first start, the same admin token as last time, or a new one (recorded). */
export type AdminCredentialChange = 'first' | 'unchanged' | 'rotated';

/**
 * Compares the configured admin token with the one the api last started with and, when it changed,
 * appends `AdminCredentialRotated` to `ev.operator.<auditFleet>.credentials` (the variable's name and
 * the time, no value). Replicas starting together take turns on the row, so one records the change.
 */
export async function recordAdminCredential(
  db: Database,
  store: EventStore<OperatorEvent>,
  options: { adminToken: string; auditFleet: string; now: Date },
): Promise<AdminCredentialChange> {
  return db.transaction(async (sql) => {
    const [row] = await sql.query<{ salt: string; fingerprint: string }>(
      'SELECT salt, fingerprint FROM admin_credential WHERE id = 1 FOR UPDATE',
    );
    if (row && timingSafeEqual(await fingerprintOf(options.adminToken, row.salt), Buffer.from(row.fingerprint, 'base64')))
      return 'unchanged';
    const salt = randomBytes(16).toString('base64');
    const fingerprint = (await fingerprintOf(options.adminToken, salt)).toString('base64');
    if (row) {
      const subject = store.subject('operator', options.auditFleet, 'credentials');
      const { lastSeq } = await store.load(subject);
      const event: OperatorEvent = {
        type: 'AdminCredentialRotated',
        schemaVersion: 1,
        data: { fleet: options.auditFleet, credential: 'KEELSON_ADMIN_TOKEN', rotatedAt: options.now.toISOString() },
      };
      const commandId = randomUUID();
      await store.append(subject, lastSeq, [event], { actor: { kind: 'service', id: 'api' }, correlationId: commandId, commandId });
    }
    await sql.query(
      `INSERT INTO admin_credential (id, salt, fingerprint, changed_at) VALUES (1, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET salt = EXCLUDED.salt, fingerprint = EXCLUDED.fingerprint, changed_at = EXCLUDED.changed_at`,
      [salt, fingerprint, options.now.toISOString()],
    );
    return row ? 'rotated' : 'first';
  });
}
