import { randomUUID } from 'node:crypto';
import { isDomainError } from '@keelson/domain-kit';
import type { Clock } from '@keelson/service-kit';
import type { DevicePresenceStore } from '../devices/device-presence.store.js';
import type { Devices } from '../devices/devices.js';
import type { BrokerPresence } from './broker-presence.js';

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
 *
 * With the broker's view (`broker`), a device with an open MQTT connection counts as heard: an idle
 * device sends nothing but MQTT keep-alive pings, which the broker answers alone. Before calling
 * anyone silent, the sweep lists the broker's connections once and moves every connected device's
 * last-seen to now, so the next list is due an offline period later; a closed connection
 * (`disconnected`) counts as the device's last sign of life, so a device that went away is called
 * silent an offline period after it left, not after the last list.
 */
export class ReachabilityWatch {
  private readonly watched = new Map<string, Watched>();
  private unflushed = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private broker: Pick<BrokerPresence, 'connectedDevices'> | undefined;

  constructor(private readonly o: ReachabilityWatchOptions) {}

  /**
   * Starts watching the devices the read model says are reachable, then sweeps periodically. With
   * `broker` (the broker's open connections) a connected device counts as heard; without it (no
   * system-account user) only the devices' messages count.
   */
  async start(broker?: Pick<BrokerPresence, 'connectedDevices'>): Promise<void> {
    this.broker = broker;
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

  /** The broker closed the device's connection: that is the last moment it was known alive. */
  disconnected(deviceId: string, at: Date): void {
    const entry = this.watched.get(deviceId);
    if (!entry || at <= entry.lastSeen) return;
    entry.lastSeen = at;
    this.unflushed.set(deviceId, at);
  }

  /** The device's aggregate now says reachable. */
  markedReachable(deviceId: string): void {
    const entry = this.watched.get(deviceId);
    if (entry) entry.reachable = true;
  }

  private async sweep(): Promise<void> {
    const cutoff = this.o.clock.now().getTime() - this.o.offlineSeconds * 1000;
    let silent = this.silentSince(cutoff);
    if (silent.length > 0 && this.broker) {
      if (!(await this.refreshConnected())) return void (await this.flush()); // unanswered: nobody is called silent
      silent = this.silentSince(cutoff);
    }
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
        if (isDomainError(err))
          this.watched.delete(deviceId); // decommissioned or gone: nothing to watch
        else this.o.onError(err);
      }
    }
    await this.flush();
  }

  private silentSince(cutoff: number): [string, Watched][] {
    return [...this.watched].filter(([, entry]) => entry.reachable && entry.lastSeen.getTime() < cutoff);
  }

  /** Every watched device the broker holds a connection of was alive now; false when the broker did not answer. */
  private async refreshConnected(): Promise<boolean> {
    let connected: Set<string>;
    try {
      connected = await this.broker!.connectedDevices();
    } catch (err) {
      this.o.onError(err);
      return false;
    }
    const now = this.o.clock.now();
    for (const [deviceId, entry] of this.watched) {
      if (!connected.has(deviceId) || entry.lastSeen >= now) continue;
      entry.lastSeen = now;
      this.unflushed.set(deviceId, now);
    }
    return true;
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
