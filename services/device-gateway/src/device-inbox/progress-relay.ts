import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { inConsumerSpan } from '@keelson/event-store';
import { isTerminalDeviceState, liveProgressSubject, type LiveDeviceProgress } from '@keelson/events';
import type { Clock } from '@keelson/service-kit';
import type { DeviceDirectory } from '../devices/device-directory.js';
import { reportStanding } from '../devices/device.js';
import type { Devices } from '../devices/devices.js';
import { droppedDeviceMessages, handledDeviceMessages } from './device-inbox.metrics.js';
import type { CheckedDeviceMessage } from './device-message.check.js';
import { subscribeDeviceTopic } from './device-topic-subscription.js';
import type { ReachabilityWatch } from './reachability-watch.js';

export interface ProgressRelayDeps {
  nc: NatsConnection;
  subjectPrefix: string;
  directory: DeviceDirectory;
  devices: Devices;
  watch: ReachabilityWatch;
  clock: Clock;
  onError: (err: unknown) => void;
}

const encoder = new TextEncoder();

/**
 * Relays the steps devices enter (`keelson/dev/<device>/progress`, QoS 0) to the watchers of their
 * rollout, live and unstored: a step costs a check and a publish, not a stored event for every
 * consumer of the device stream. One replica relays each step (a queue group). A step is relayed
 * only for an assignment the device holds and has no outcome for yet; anything else is dropped and
 * counted, like any device message that does not pass. A step of an active device, relayed or not,
 * is a sign of life: a device busy updating sends its steps instead of heartbeats.
 */
export class ProgressRelay {
  private sub: Subscription | undefined;
  private readonly dropped = droppedDeviceMessages();
  private readonly handled = handledDeviceMessages();

  constructor(private readonly d: ProgressRelayDeps) {}

  start(): void {
    const { nc, subjectPrefix, onError } = this.d;
    // In order: a device's steps come moments apart, and a watcher should see them as they happened.
    const options = { nc, subjectPrefix, topic: 'progress', queue: 'device-gateway-progress', inOrder: true, onError } as const;
    this.sub = subscribeDeviceTopic(options, (checked) => this.relay(checked));
  }

  /**
   * A step that echoes its assignment's trace is relayed in a span of that trace, so the trace shows
   * the device's steps; without one (the gateway does not trace) nothing of tracing runs.
   */
  private relay(checked: CheckedDeviceMessage): Promise<void> {
    const traceparent = checked.topic === 'progress' ? checked.message.data.traceparent : undefined;
    if (!traceparent) return this.receive(checked);
    return inConsumerSpan('gateway-progress', { subject: `keelson.dev.${checked.deviceId}.progress`, meta: { traceparent } }, () =>
      this.receive(checked),
    );
  }

  async stop(): Promise<void> {
    await this.sub?.drain();
  }

  async receive(checked: CheckedDeviceMessage): Promise<void> {
    if (checked.topic !== 'progress') return;
    const { deviceId, message } = checked;
    const fleet = await this.d.directory.fleetOf(deviceId);
    if (!fleet) return void this.dropped.inc({ reason: 'unknown-device' });
    const device = await this.d.devices.recent(fleet, deviceId);
    if (device.status !== 'active')
      return void this.dropped.inc({ reason: device.status === 'absent' ? 'unknown-device' : 'decommissioned' });
    await this.d.watch.heard(deviceId, fleet, this.d.clock.now());
    const { assignmentId, rolloutId, state, sentAt } = message.data;
    if (reportStanding(device, { assignmentId, rolloutId, state }) === 'unknown-assignment')
      return void this.dropped.inc({ reason: 'unknown-assignment' });
    const last = device.reports[assignmentId];
    if (last && isTerminalDeviceState(last.state)) return void this.dropped.inc({ reason: 'after-outcome' });
    const live: LiveDeviceProgress = {
      type: 'LiveDeviceProgress',
      schemaVersion: 1,
      data: { fleet, deviceId, assignmentId, rolloutId, state, reportedAt: sentAt },
    };
    this.d.nc.publish(liveProgressSubject(this.d.subjectPrefix, fleet, rolloutId), encoder.encode(JSON.stringify(live)));
    this.handled.inc({ type: 'progress' });
  }
}
