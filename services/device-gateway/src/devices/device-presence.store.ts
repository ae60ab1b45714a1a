import type { DeviceHardware, InstalledArtifact } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { HelloWrites, isDeadlock } from './hello-writes.js';

/**
 * Writes what devices say about themselves beside the event-fed columns of `devices`: when they
 * were last seen, what they run, their hardware. High-rate, low-value: not events (DESIGN).
 */
export class DevicePresenceStore {
  private readonly hellos: HelloWrites;

  constructor(private readonly db: Database) {
    this.hellos = new HelloWrites(db);
  }

  /**
   * Throws (a retryable error, not a domain one) while the devices projection has no row for the
   * device yet: a device may say hello the moment it enrolled, before its row is projected, and what
   * it runs must not be dropped. Resolves once the row is written: the hellos of a turn, and those
   * that arrive while a write runs, share one statement (`HelloWrites`).
   */
  recordHello(deviceId: string, at: Date, installed: InstalledArtifact[], hardware: DeviceHardware | undefined): Promise<void> {
    return this.hellos.write({ deviceId, at, installed, hardware });
  }

  /**
   * Moves last-seen times forward for many devices in one statement. It takes row locks in id order,
   * as the devices projection now does for its batch; when it locked them in event order the two
   * deadlocked under load (seen in the 5000-device bench). Should PostgreSQL still abort one side for
   * a deadlock, this side tries again.
   */
  async recordSeen(seen: Map<string, Date>): Promise<void> {
    if (seen.size === 0) return;
    const ids = [...seen.keys()].sort();
    const times = ids.map((id) => seen.get(id)!.toISOString());
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.query(
          `WITH s AS (SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS s(device_id, at)),
                locked AS (SELECT d.device_id FROM devices d JOIN s USING (device_id) ORDER BY d.device_id FOR UPDATE OF d)
           UPDATE devices d SET last_seen_at = GREATEST(d.last_seen_at, s.at) FROM s, locked
           WHERE d.device_id = s.device_id AND locked.device_id = s.device_id`,
          [ids, times],
        );
        return;
      } catch (err) {
        if (attempt >= 3 || !isDeadlock(err)) throw err;
      }
    }
  }

  /** When each of these devices was last seen, as the replicas flushed it (devices never seen are left out). */
  async lastSeen(deviceIds: string[]): Promise<Map<string, Date>> {
    const rows = await this.db.query<{ deviceId: string; lastSeenAt: Date | string }>(
      `SELECT device_id AS "deviceId", last_seen_at AS "lastSeenAt" FROM devices WHERE device_id = ANY($1::text[]) AND last_seen_at IS NOT NULL`,
      [deviceIds],
    );
    return new Map(rows.map((r) => [r.deviceId, new Date(r.lastSeenAt)]));
  }

  /** Devices the read model believes reachable: the offline sweep watches them from start-up on. */
  async reachableDevices(): Promise<{ deviceId: string; fleet: string; lastSeenAt: Date | null }[]> {
    const rows = await this.db.query<{ deviceId: string; fleet: string; lastSeenAt: Date | string | null }>(
      `SELECT device_id AS "deviceId", fleet, last_seen_at AS "lastSeenAt" FROM devices WHERE reachable AND status = 'active'`,
    );
    return rows.map((r) => ({ ...r, lastSeenAt: r.lastSeenAt === null ? null : new Date(r.lastSeenAt) }));
  }
}
