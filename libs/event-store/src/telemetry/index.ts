export {
  telemetryMetrics,
  metricsSubject,
  telemetryMetricsConfig,
  applyTelemetryMetrics,
  type TelemetryMetricsOptions,
} from './metrics-stream.js';
export { mergeMetricWindows, type MetricWindow, type MergedMetric } from './merge-metric-windows.js';
export { readMetricWindows, readMergedMetrics, type MetricWindowRange } from './read-metric-windows.js';
