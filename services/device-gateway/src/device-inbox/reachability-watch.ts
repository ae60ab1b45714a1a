import { randomUUID } from 'node:crypto';
import { isDomainError } from '@keelson/domain-kit';
import type { Clock } from '@keelson/service-kit';
import type { DevicePresenceStore } from '../devices/device-presence.store.js';
import type { Devices } from '../devices/devices.js';

interface Watched {
  fleet: string;
  lastSeen: Date;
  reachable: boolean;
}

export interface ReachabilityWatchOptions {
  devices: Devices;
  presence: DevicePresenceStore;
  clock: Clock;
  /** Silence after which a device counts as unreachable (`KEELSON_DEVICE_OFFLINE_SECONDS`). */
  offlineSeconds: number;
  onError: (err: unknown) => void;
}

/**
 * Keeps when each device was last heard from, in memory, and turns silence into
 * `DeviceReachabilityChanged`. Any message of the device counts (hello, step, outcome, heartbeat):
 * an agent sends a heartbeat only after a period in which it said nothing else. Last-seen times
 * reach the read model in batches, not per message. Every replica hears every heartbeat, but a
 * hello, an outcome or a step reaches one replica only: before calling a device silent, a replica
 * asks the read model whether another one heard it since (each flushes what it heard at every sweep).
 */
export class ReachabilityWatch {
  private readonly watched = new Map<string, Watched>();
  private unflushed = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly o: ReachabilityWatchOptions) {}

  /** Starts watching the devices the read model says are reachable, then sweeps periodically. */
  async start(): Promise<void> {
    const now = this.o.clock.now();
    for (const d of await this.o.presence.reachableDevices()) {
      this.watched.set(d.deviceId, { fleet: d.fleet, lastSeen: d.lastSeenAt ?? now, reachable: true });
    }
    const everyMs = Math.min(5_000, Math.max(200, (this.o.offlineSeconds * 1000) / 4));
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    }, everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
    await this.flush();
  }

  /** The device spoke; returns true when it was not known to be reachable (so the caller marks it). */
  seen(deviceId: string, fleet: string, at: Date): boolean {
    const entry = this.watched.get(deviceId);
    this.unflushed.set(deviceId, at);
    if (!entry) {
      this.watched.set(deviceId, { fleet, lastSeen: at, reachable: false });
      return true;
    }
    if (at > entry.lastSeen) entry.lastSeen = at;
    return !entry.reachable;
  }

  /** The device spoke (any message): moves its last-seen time and marks it reachable if it was not. */
  async heard(deviceId: string, fleet: string, at: Date): Promise<void> {
    if (!this.seen(deviceId, fleet, at)) return;
    const meta = { actor: { kind: 'device', id: deviceId } as const, correlationId: randomUUID(), commandId: randomUUID() };
    await this.o.devices.execute(fleet, deviceId, { type: 'MarkReachable', at: at.toISOString() }, meta);
    this.markedReachable(deviceId);
  }

  /** The device's aggregate now says reachable. */
  markedReachable(deviceId: string): void {
    const entry = this.watched.get(deviceId);
    if (entry) entry.reachable = true;
  }

  private async sweep(): Promise<void> {
    const cutoff = this.o.clock.now().getTime() - this.o.offlineSeconds * 1000;
    const silent = [...this.watched].filter(([, entry]) => entry.reachable && entry.lastSeen.getTime() < cutoff);
    const heardElsewhere = silent.length === 0 ? new Map<string, Date>() : await this.lastSeenInReadModel(silent.map(([id]) => id));
    // Unanswered, nobody is called silent this time: the next sweep asks again.
    for (const [deviceId, entry] of heardElsewhere ? silent : []) {
      const elsewhere = heardElsewhere?.get(deviceId);
      if (elsewhere && elsewhere > entry.lastSeen) entry.lastSeen = elsewhere;
      if (entry.lastSeen.getTime() >= cutoff) continue;
      try {
        const meta = { actor: { kind: 'system', id: 'device-gateway' } as const, correlationId: randomUUID(), commandId: randomUUID() };
        await this.o.devices.execute(entry.fleet, deviceId, { type: 'MarkUnreachable', lastSeenAt: entry.lastSeen.toISOString() }, meta);
        this.watched.delete(deviceId); // silent devices cost nothing until they speak again
      } catch (err) {
        if (isDomainError(err)) this.watched.delete(deviceId); // decommissioned or gone: nothing to watch
        else this.o.onError(err);
      }
    }
    await this.flush();
  }

  private async lastSeenInReadModel(deviceIds: string[]): Promise<Map<string, Date> | undefined> {
    try {
      return await this.o.presence.lastSeen(deviceIds);
    } catch (err) {
      this.o.onError(err);
      return undefined;
    }
  }

  private async flush(): Promise<void> {
    const batch = this.unflushed;
    this.unflushed = new Map();
    try {
      await this.o.presence.recordSeen(batch);
    } catch (err) {
      for (const [id, at] of batch) if (!this.unflushed.has(id)) this.unflushed.set(id, at);
      this.o.onError(err);
    }
  }
}
