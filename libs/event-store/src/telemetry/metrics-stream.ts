import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { applyStream, type DeclaredStreamConfig } from '../apply-stream.js';
import { assertSubjectToken, type EventStoreNaming } from '../naming.js';

/**
 * Devices' metric summaries, one message per device and window, as the gateway accepted them.
 * Telemetry, not history: limits-based with an age limit, outside the event streams and the audit
 * chain. The gateway is its only writer; experiments read it (`readMetricWindows`).
 */
export const telemetryMetrics = {
  name: 'TELEMETRY_METRICS',
  subjects: ['tm.metrics.>'],
  description: 'device-gateway: per-window metric summaries from devices (telemetry, age-limited)',
} as const;

export interface TelemetryMetricsOptions {
  /** 1 on a single node, 3 in a cluster, as the installation's other streams. */
  replicas: number;
  /** How long a window is kept; older ones are dropped by the server. */
  maxAgeSeconds: number;
}

/** The subject of one device's windows: `tm.metrics.<fleet>.<device>`. */
export function metricsSubject(naming: EventStoreNaming, fleet: string, deviceId: string): string {
  assertSubjectToken('fleet', fleet);
  assertSubjectToken('deviceId', deviceId);
  return `${naming.subjectPrefix}tm.metrics.${fleet}.${deviceId}`;
}

export function telemetryMetricsConfig(naming: EventStoreNaming, options: TelemetryMetricsOptions): DeclaredStreamConfig {
  return {
    name: `${naming.streamPrefix}${telemetryMetrics.name}`,
    subjects: telemetryMetrics.subjects.map((s) => `${naming.subjectPrefix}${s}`),
    description: telemetryMetrics.description,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: options.maxAgeSeconds * 1e9,
    // A device can fill only its own share: at one window a minute, ten days' worth.
    max_msgs_per_subject: 14_400,
    max_msgs: -1,
    max_bytes: -1,
    num_replicas: options.replicas,
    allow_direct: true, // readers page through a time range with direct gets, no consumer each
  };
}

/** Creates the stream or brings it to the declared config (`applyStream`'s refusals apply); safe at every start. */
export async function applyTelemetryMetrics(
  jsm: JetStreamManager,
  naming: EventStoreNaming,
  options: TelemetryMetricsOptions,
): Promise<void> {
  await applyStream(jsm, telemetryMetricsConfig(naming, options));
}
