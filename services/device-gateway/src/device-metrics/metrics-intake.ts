import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { InvalidInput } from '@keelson/domain-kit';
import { metricsSubject, type EventStoreNaming } from '@keelson/event-store';
import { maxDeviceMetricsBytes, type DeviceMetrics } from '@keelson/events';
import { assertSummary } from '@keelson/experiment-stats';
import type { DeviceDirectory } from '../devices/device-directory.js';
import { checkDeviceMessage, dropReason } from '../device-inbox/device-message.check.js';
import { acceptedMetricWindows, droppedMetricWindows } from './device-metrics.metrics.js';
import type { DeviceTokenBuckets } from './device-token-buckets.js';

export interface MetricsIntakeDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  naming: EventStoreNaming;
  directory: DeviceDirectory;
  buckets: DeviceTokenBuckets;
  now: () => number;
  /** Windows being stored at once, at most (default 500); past it a window is dropped (`backlog`). */
  maxPending?: number;
  onError: (err: unknown) => void;
}

const decoder = new TextDecoder();

/**
 * Takes devices' metric windows (`keelson/dev/<device>/metrics`) on a core subscription in a queue
 * group and appends the good ones to TELEMETRY_METRICS. Cheapest refusals first: an oversized
 * payload is dropped unread, a device over its rate before its payload is parsed; then the schema,
 * the device named in the payload against the topic's (the broker's word), and the summaries' own
 * consistency. Every drop is counted by reason and nothing of it is stored or logged.
 */
export class MetricsIntake {
  private sub: Subscription | undefined;
  private pending = 0;
  private readonly dropped = droppedMetricWindows();
  private readonly accepted = acceptedMetricWindows();

  constructor(private readonly d: MetricsIntakeDeps) {}

  start(): void {
    const { nc, naming } = this.d;
    this.sub = nc.subscribe(`${naming.subjectPrefix}keelson.dev.*.metrics`, {
      queue: 'device-gateway-metrics',
      callback: (err, msg) => (err ? this.d.onError(err) : this.receive(msg.subject, msg.data)),
    });
  }

  async stop(): Promise<void> {
    await this.sub?.drain();
  }

  /** Checks one window as it arrived; stores it in the background when it passes. */
  receive(subject: string, payload: Uint8Array): void {
    if (payload.length > maxDeviceMetricsBytes) return this.drop('oversized');
    const topicDevice = subject.split('.').at(-2) ?? '';
    if (!this.d.buckets.take(topicDevice, this.d.now())) return this.drop('rate-limited');
    let message: DeviceMetrics;
    try {
      const checked = checkDeviceMessage(this.d.naming.subjectPrefix, subject, JSON.parse(decoder.decode(payload)));
      if (checked.topic !== 'metrics') throw new InvalidInput('device-message.wrong-topic', [{ path: [], message: 'not a metrics topic' }]);
      message = checked.message;
      for (const { name, ...summary } of message.data.metrics) assertSummary(summary, ['data', 'metrics', name]);
    } catch (err) {
      const reason = err instanceof InvalidInput && err.code === 'summary.invalid' ? 'invalid-summary' : dropReason(err);
      return reason === 'error' ? this.d.onError(err) : this.drop(reason);
    }
    if (this.pending >= (this.d.maxPending ?? 500)) return this.drop('backlog');
    this.pending++;
    void this.store(message)
      .catch((err: unknown) => (dropReason(err) === 'error' ? this.d.onError(err) : this.drop(dropReason(err))))
      .finally(() => this.pending--);
  }

  private async store(message: DeviceMetrics): Promise<void> {
    const { deviceId } = message.data;
    const fleet = await this.d.directory.fleetOf(deviceId);
    if (!fleet) return this.drop('unknown-device');
    await this.d.js.publish(metricsSubject(this.d.naming, fleet, deviceId), JSON.stringify(message));
    this.accepted.inc();
  }

  private drop(reason: string): void {
    this.dropped.inc({ reason });
  }
}
