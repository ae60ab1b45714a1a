import type { DeviceHardware, InstalledArtifact } from '@keelson/events';
import type { Database } from '@keelson/postgres';

/**
 * Writes what devices say about themselves beside the event-fed columns of `devices`: when they
 * were last seen, what they run, their hardware. High-rate, low-value: not events (DESIGN).
 */
export class DevicePresenceStore {
  constructor(private readonly db: Database) {}

  async recordHello(deviceId: string, at: Date, installed: InstalledArtifact[], hardware: DeviceHardware | undefined): Promise<void> {
    await this.db.query(
      `UPDATE devices SET installed = $2, hardware = COALESCE($3, hardware), last_seen_at = GREATEST(last_seen_at, $4) WHERE device_id = $1`,
      [deviceId, JSON.stringify(installed), hardware ? JSON.stringify(hardware) : null, at],
    );
  }

  /** Moves last-seen times forward for many devices in one statement. */
  async recordSeen(seen: Map<string, Date>): Promise<void> {
    if (seen.size === 0) return;
    await this.db.query(
      `UPDATE devices d SET last_seen_at = GREATEST(d.last_seen_at, s.at)
       FROM unnest($1::text[], $2::timestamptz[]) AS s(device_id, at) WHERE d.device_id = s.device_id`,
      [[...seen.keys()], [...seen.values()].map((d) => d.toISOString())],
    );
  }

  /** Devices the read model believes reachable: the offline sweep watches them from start-up on. */
  async reachableDevices(): Promise<{ deviceId: string; fleet: string; lastSeenAt: Date | null }[]> {
    const rows = await this.db.query<{ deviceId: string; fleet: string; lastSeenAt: Date | string | null }>(
      `SELECT device_id AS "deviceId", fleet, last_seen_at AS "lastSeenAt" FROM devices WHERE reachable AND status = 'active'`,
    );
    return rows.map((r) => ({ ...r, lastSeenAt: r.lastSeenAt === null ? null : new Date(r.lastSeenAt) }));
  }
}
