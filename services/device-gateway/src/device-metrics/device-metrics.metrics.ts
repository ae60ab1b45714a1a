import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Metric windows dropped unstored, by reason (`oversized`, `rate-limited`, `invalid`, `invalid-summary`, `device-mismatch`, ...). */
export const droppedMetricWindows = (): Counter<string> =>
  counter('keelson_device_metrics_dropped_total', 'Device metric windows dropped without being stored, by reason', ['reason']);

/** Metric windows appended to the telemetry stream. */
export const acceptedMetricWindows = (): Counter<string> =>
  counter('keelson_device_metrics_accepted_total', 'Device metric windows stored in the telemetry stream', []);
