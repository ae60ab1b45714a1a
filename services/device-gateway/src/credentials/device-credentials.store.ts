import type { Database, Sql } from '@keelson/postgres';
import type { StoredPassword } from './device-password.js';
import { GroupedWrites } from './grouped-writes.js';

/** A device's broker credentials as the gateway keeps them. */
export interface DeviceCredentials {
  deviceId: string;
  fleet: string;
  password: StoredPassword;
  revoked: boolean;
}

interface Row {
  device_id: string;
  fleet: string;
  password_salt: Buffer;
  password_sha256: Buffer;
  revoked_at: Date | null;
}

type NewCredentials = { deviceId: string; fleet: string; password: StoredPassword; issuedAt: Date };

/** Reads and writes `device_credentials`; the broker auth callout reads, enrollment and decommissioning write. */
export class DeviceCredentialsStore {
  /** Enrollments in flight together share one INSERT (one commit) instead of one each. */
  private readonly inserts: GroupedWrites<NewCredentials>;

  constructor(private readonly db: Database) {
    this.inserts = new GroupedWrites(
      (rows) => this.insertMany(rows),
      (row) => this.insertOne(row),
    );
  }

  /**
   * Stores a new device's credentials, resolving once they are committed; a device id is never
   * reused, so an existing row is an error (for that device alone).
   */
  record(input: NewCredentials): Promise<void> {
    return this.inserts.add(input);
  }

  private async insertOne(input: NewCredentials): Promise<void> {
    await this.db.query(
      `INSERT INTO device_credentials (device_id, fleet, password_salt, password_sha256, issued_at) VALUES ($1, $2, $3, $4, $5)`,
      [input.deviceId, input.fleet, input.password.salt, input.password.sha256, input.issuedAt],
    );
  }

  private async insertMany(rows: NewCredentials[]): Promise<void> {
    await this.db.query(
      `INSERT INTO device_credentials (device_id, fleet, password_salt, password_sha256, issued_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::timestamptz[])`,
      [
        rows.map((r) => r.deviceId),
        rows.map((r) => r.fleet),
        rows.map((r) => r.password.salt),
        rows.map((r) => r.password.sha256),
        rows.map((r) => r.issuedAt),
      ],
    );
  }

  /** Gives a re-enrolled device new credentials: the old password stops working the moment this commits. */
  async replace(input: { deviceId: string; fleet: string; password: StoredPassword; issuedAt: Date }): Promise<void> {
    const rows = await this.db.query(
      `UPDATE device_credentials SET password_salt = $3, password_sha256 = $4, issued_at = $5 WHERE device_id = $1 AND fleet = $2 AND revoked_at IS NULL RETURNING device_id`,
      [input.deviceId, input.fleet, input.password.salt, input.password.sha256, input.issuedAt],
    );
    if (rows.length !== 1) throw new Error(`device ${input.deviceId} has no live credentials to replace`);
  }

  async find(deviceId: string): Promise<DeviceCredentials | null> {
    const [row] = await this.db.query<Row>(
      'SELECT device_id, fleet, password_salt, password_sha256, revoked_at FROM device_credentials WHERE device_id = $1',
      [deviceId],
    );
    if (!row) return null;
    return {
      deviceId: row.device_id,
      fleet: row.fleet,
      password: { salt: row.password_salt, sha256: row.password_sha256 },
      revoked: row.revoked_at !== null,
    };
  }

  /** Revokes inside a caller's transaction; revoking twice keeps the first time. */
  static async revoke(sql: Sql, deviceId: string, at: Date): Promise<void> {
    await sql.query('UPDATE device_credentials SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL', [deviceId, at]);
  }

  /** `revoke` for several devices in one statement (a projection's batch), each at its own time. */
  static async revokeMany(sql: Sql, revocations: { deviceId: string; at: Date }[]): Promise<void> {
    await sql.query(
      `UPDATE device_credentials c SET revoked_at = r.at FROM unnest($1::text[], $2::timestamptz[]) AS r(device_id, at)
       WHERE c.device_id = r.device_id AND c.revoked_at IS NULL`,
      [revocations.map((r) => r.deviceId), revocations.map((r) => r.at)],
    );
  }
}
