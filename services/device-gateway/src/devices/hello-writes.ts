import type { DeviceHardware, InstalledArtifact } from '@keelson/events';
import type { Database } from '@keelson/postgres';

/** What one hello (or an outcome report that names what the device runs) writes on its row. */
export interface HelloWrite {
  deviceId: string;
  at: Date;
  installed: InstalledArtifact[];
  hardware: DeviceHardware | undefined;
}

interface Waiting extends HelloWrite {
  done: { resolve: () => void; reject: (err: Error) => void }[];
}

/** A device whose row the devices projection has not written yet: its hello is retried, not dropped. */
export class DeviceRowNotYetProjected extends Error {
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} is not in the devices read model yet; its hello is retried`);
  }
}

const maxBatch = 500;

/**
 * Group commit of hello writes: every write waits for the statement that carries it, so the inbox
 * message behind it is acknowledged only once its row is written (nothing lost on a crash). Writes
 * that arrive while a statement runs, or in the same event-loop turn, go together in the next one
 * (one UPDATE, one transaction, for up to 500 devices, rows locked in id order as `recordSeen`
 * and the devices projection lock them). Two writes of one device in one batch merge as if applied
 * in turn: the later list of what it runs, the later hardware unless absent, the later time.
 */
export class HelloWrites {
  private pending = new Map<string, Waiting>();
  private flushing = false;
  private scheduled = false;

  constructor(private readonly db: Database) {}

  write(w: HelloWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const earlier = this.pending.get(w.deviceId);
      if (earlier) {
        earlier.installed = w.installed;
        earlier.hardware = w.hardware ?? earlier.hardware;
        earlier.at = w.at > earlier.at ? w.at : earlier.at;
        earlier.done.push({ resolve, reject });
      } else {
        this.pending.set(w.deviceId, { ...w, done: [{ resolve, reject }] });
      }
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    const batch = [...this.pending.values()].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)).slice(0, maxBatch);
    for (const w of batch) this.pending.delete(w.deviceId);
    try {
      const written = await this.update(batch);
      for (const w of batch) {
        const err = written.has(w.deviceId) ? undefined : new DeviceRowNotYetProjected(w.deviceId);
        for (const d of w.done) {
          if (err) d.reject(err);
          else d.resolve();
        }
      }
    } catch (err) {
      for (const w of batch) for (const d of w.done) d.reject(err as Error);
    } finally {
      this.flushing = false;
      if (this.pending.size > 0) this.schedule();
    }
  }

  /** One statement for the batch; a deadlock PostgreSQL breaks is tried again (twice). */
  private async update(batch: Waiting[]): Promise<Set<string>> {
    const params = [
      batch.map((w) => w.deviceId),
      batch.map((w) => JSON.stringify(w.installed)),
      batch.map((w) => (w.hardware ? JSON.stringify(w.hardware) : null)),
      batch.map((w) => w.at.toISOString()),
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = await this.db.query<{ deviceId: string }>(
          `WITH s AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS s(device_id, installed, hardware, at)),
                locked AS (SELECT d.device_id FROM devices d JOIN s USING (device_id) ORDER BY d.device_id FOR UPDATE OF d)
           UPDATE devices d SET installed = s.installed::jsonb, hardware = COALESCE(s.hardware::jsonb, d.hardware), last_seen_at = GREATEST(d.last_seen_at, s.at)
           FROM s, locked WHERE d.device_id = s.device_id AND locked.device_id = s.device_id
           RETURNING d.device_id AS "deviceId"`,
          params,
        );
        return new Set(rows.map((r) => r.deviceId));
      } catch (err) {
        if (attempt >= 3 || !isDeadlock(err)) throw err;
      }
    }
  }
}

export const isDeadlock = (err: unknown): boolean =>
  (err as { code?: string }).code === '40P01' || (err instanceof Error && /deadlock detected/.test(err.message));
