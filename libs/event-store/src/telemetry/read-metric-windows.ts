import type { JetStreamManager } from '@nats-io/jetstream';
import { parseDeviceMessage } from '@keelson/events';
import { isNoMessageFound } from '../load.js';
import { assertSubjectToken, type EventStoreNaming } from '../naming.js';
import { mergeMetricWindows, type MergedMetric, type MetricWindow } from './merge-metric-windows.js';
import { telemetryMetrics } from './metrics-stream.js';

const pageSize = 256;

/** Which windows to read: one fleet's, accepted by the gateway in `[from, to)`. */
export interface MetricWindowRange {
  fleet: string;
  from: Date;
  to: Date;
  /** Only these devices (an experiment's arm, say); absent: every device of the fleet. */
  deviceIds?: ReadonlySet<string>;
}

/**
 * The fleet's metric windows in a time range, read from TELEMETRY_METRICS with direct gets from the
 * first message at or after `from` (no consumer is created). Time is the gateway's acceptance time
 * (the stream's), not the device's clock. A stored message that does not parse is skipped: the
 * gateway checked it, so only a newer writer's format can get here.
 */
export async function readMetricWindows(
  jsm: JetStreamManager,
  naming: EventStoreNaming,
  range: MetricWindowRange,
): Promise<MetricWindow[]> {
  assertSubjectToken('fleet', range.fleet);
  const stream = `${naming.streamPrefix}${telemetryMetrics.name}`;
  const prefix = `${naming.subjectPrefix}tm.metrics.${range.fleet}.`;
  const out: MetricWindow[] = [];
  let position: { start_time: Date } | { seq: number } = { start_time: range.from };
  for (;;) {
    let got = 0;
    let pending = 0;
    try {
      for await (const m of await jsm.direct.getBatch(stream, { ...position, next_by_subj: `${prefix}>`, batch: pageSize })) {
        got++;
        pending = m.pending;
        position = { seq: m.seq + 1 };
        if (m.time >= range.to) return out; // the stream is in time order: nothing later is in range
        const deviceId = m.subject.slice(prefix.length);
        if (range.deviceIds && !range.deviceIds.has(deviceId)) continue;
        const window = windowOf(range.fleet, deviceId, m.time, m.json<unknown>());
        if (window) out.push(window);
      }
    } catch (err) {
      if (isNoMessageFound(err)) break;
      throw err;
    }
    if (got === 0 || pending === 0) break;
  }
  return out;
}

function windowOf(fleet: string, deviceId: string, acceptedAt: Date, raw: unknown): MetricWindow | undefined {
  try {
    const message = parseDeviceMessage(raw);
    return message.type === 'DeviceMetrics' ? { fleet, deviceId, acceptedAt, message } : undefined;
  } catch {
    return undefined;
  }
}

/** The range's windows merged per (artifact version, metric): what an experiment compares its arms on. */
export async function readMergedMetrics(
  jsm: JetStreamManager,
  naming: EventStoreNaming,
  range: MetricWindowRange,
): Promise<MergedMetric[]> {
  return mergeMetricWindows(await readMetricWindows(jsm, naming, range));
}
