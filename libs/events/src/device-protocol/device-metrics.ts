import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { ArtifactName, IsoTime, SemverLike, SubjectToken } from '../kit/tokens.js';
import { maxMetricsPerWindow, maxSketchBins } from './device-metrics-limits.js';

export { maxDeviceMetricsBytes, maxMetricsPerWindow, maxSketchBins } from './device-metrics-limits.js';

/** A Prometheus metric name without the colons of recording rules: what an application exposes. */
export const MetricName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'must be a metric name: [A-Za-z_][A-Za-z0-9_]{0,99}');

const Bins = z.array(z.tuple([z.number().int(), z.number().int().positive()])).max(maxSketchBins);

/** A DDSketch as plain data (the `QuantileSketch` of libs/experiment-stats): bins of its logarithmic mapping. */
export const WireSketch = z.strictObject({
  relativeAccuracy: z.number().gt(0).lt(1),
  zeroCount: z.number().int().min(0),
  positive: Bins,
  negative: Bins,
});

/**
 * One metric over one window (the `MetricSummary` of libs/experiment-stats): count, sum and sum of
 * squares, and a mergeable sketch of the values. Whether the numbers can be those of any values at
 * all is for `assertSummary` of libs/experiment-stats, after this parse.
 */
export const WireMetricSummary = z.strictObject({
  name: MetricName,
  count: z.number().int().min(0),
  sum: z.number(),
  sumOfSquares: z.number().min(0),
  sketch: WireSketch,
});
export type WireMetricSummary = z.infer<typeof WireMetricSummary>;

/**
 * `keelson/dev/<device>/metrics` (QoS 0): what the device's application measured over one window,
 * summarised per metric, tagged with the artifact version that ran it. Telemetry, never an event: the
 * gateway checks it and keeps it in a stream with a retention limit; a lost window costs one window.
 */
export const DeviceMetrics = defineMessage('DeviceMetrics', 1, {
  deviceId: SubjectToken,
  artifact: z.strictObject({ name: ArtifactName, version: SemverLike }),
  windowStart: IsoTime,
  windowEnd: IsoTime,
  metrics: z
    .array(WireMetricSummary)
    .min(1)
    .max(maxMetricsPerWindow)
    .refine((ms) => new Set(ms.map((m) => m.name)).size === ms.length, 'metric names must be unique'),
});
export type DeviceMetrics = z.infer<typeof DeviceMetrics>;
