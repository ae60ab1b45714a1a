import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Clock } from '@keelson/service-kit';
import type { DeviceDirectory } from '../devices/device-directory.js';
import { droppedDeviceMessages, handledDeviceMessages } from './device-inbox.metrics.js';
import type { CheckedDeviceMessage } from './device-message.check.js';
import { subscribeDeviceTopic } from './device-topic-subscription.js';
import type { ReachabilityWatch } from './reachability-watch.js';

export interface HeartbeatListenerDeps {
  nc: NatsConnection;
  subjectPrefix: string;
  directory: DeviceDirectory;
  watch: ReachabilityWatch;
  clock: Clock;
  onError: (err: unknown) => void;
}

/**
 * Follows heartbeats on a core subscription: they only move last-seen forward, so losing one
 * costs nothing. Every replica listens to all of them (no queue group) so each one's offline sweep
 * knows every device. A heartbeat from a device believed silent makes it reachable again. A device
 * that published anything else within the period sends none (the other messages count as life).
 */
export class HeartbeatListener {
  private sub: Subscription | undefined;
  private readonly dropped = droppedDeviceMessages();
  private readonly handled = handledDeviceMessages();

  constructor(private readonly d: HeartbeatListenerDeps) {}

  start(): void {
    const { nc, subjectPrefix, onError } = this.d;
    this.sub = subscribeDeviceTopic({ nc, subjectPrefix, topic: 'heartbeat', onError }, (checked) => this.receive(checked));
  }

  async stop(): Promise<void> {
    await this.sub?.drain();
  }

  async receive(checked: CheckedDeviceMessage): Promise<void> {
    const fleet = await this.d.directory.fleetOf(checked.deviceId);
    if (!fleet) return void this.dropped.inc({ reason: 'unknown-device' });
    await this.d.watch.heard(checked.deviceId, fleet, this.d.clock.now());
    this.handled.inc({ type: 'heartbeat' });
  }
}
