import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Clock } from '@keelson/service-kit';
import type { DeviceDirectory } from '../devices/device-directory.js';
import type { Devices } from '../devices/devices.js';
import { droppedDeviceMessages, handledDeviceMessages } from './device-inbox.metrics.js';
import { checkDeviceMessage, dropReason } from './device-message.check.js';
import type { ReachabilityWatch } from './reachability-watch.js';

export interface HeartbeatListenerDeps {
  nc: NatsConnection;
  subjectPrefix: string;
  directory: DeviceDirectory;
  devices: Devices;
  watch: ReachabilityWatch;
  clock: Clock;
  onError: (err: unknown) => void;
}

const decoder = new TextDecoder();

/**
 * Follows heartbeats on a core subscription: they only move last-seen forward, so losing one
 * costs nothing. Every replica listens to all of them (no queue group) so each one's offline sweep
 * knows every device. A heartbeat from a device believed silent makes it reachable again.
 */
export class HeartbeatListener {
  private sub: Subscription | undefined;
  private readonly dropped = droppedDeviceMessages();
  private readonly handled = handledDeviceMessages();

  constructor(private readonly d: HeartbeatListenerDeps) {}

  start(): void {
    this.sub = this.d.nc.subscribe(`${this.d.subjectPrefix}keelson.dev.*.heartbeat`, {
      callback: (err, msg) => {
        if (err) return this.d.onError(err);
        void this.receive(msg.subject, msg.data);
      },
    });
  }

  async stop(): Promise<void> {
    await this.sub?.drain();
  }

  async receive(subject: string, data: Uint8Array): Promise<void> {
    try {
      const checked = checkDeviceMessage(this.d.subjectPrefix, subject, JSON.parse(decoder.decode(data)));
      const fleet = await this.d.directory.fleetOf(checked.deviceId);
      if (!fleet) {
        this.dropped.inc({ reason: 'unknown-device' });
        return;
      }
      const now = this.d.clock.now();
      if (this.d.watch.seen(checked.deviceId, fleet, now)) {
        const meta = { actor: { kind: 'device', id: checked.deviceId } as const, correlationId: randomUUID(), commandId: randomUUID() };
        await this.d.devices.execute(fleet, checked.deviceId, { type: 'MarkReachable', at: now.toISOString() }, meta);
        this.d.watch.markedReachable(checked.deviceId);
      }
      this.handled.inc({ type: 'heartbeat' });
    } catch (err) {
      const reason = dropReason(err);
      if (reason === 'error') this.d.onError(err);
      else this.dropped.inc({ reason });
    }
  }
}
