import type { DeviceMetrics } from '@keelson/events';
import { mergeSummaries, type MetricSummary } from '@keelson/experiment-stats';

/** One stored window as a reader sees it: the device's summaries and when the gateway accepted them. */
export interface MetricWindow {
  fleet: string;
  deviceId: string;
  acceptedAt: Date;
  message: DeviceMetrics;
}

/** Everything the windows say about one metric of one artifact version, merged. */
export interface MergedMetric {
  artifact: { name: string; version: string };
  metric: string;
  summary: MetricSummary;
  /** How many windows and how many distinct devices went into `summary`. */
  windows: number;
  devices: number;
}

/**
 * Merges windows per (artifact name, version, metric) with the summaries' own merge: the result is
 * the summary of all the values behind them, in whatever order the windows come. Sorted by artifact,
 * version and metric, so two reads of the same windows compare equal.
 */
export function mergeMetricWindows(windows: Iterable<MetricWindow>): MergedMetric[] {
  const merged = new Map<string, MergedMetric & { seen: Set<string> }>();
  for (const { fleet, deviceId, message } of windows) {
    const { artifact } = message.data;
    for (const { name, ...summary } of message.data.metrics) {
      const key = JSON.stringify([artifact.name, artifact.version, name]);
      const entry = merged.get(key);
      if (!entry) {
        merged.set(key, {
          artifact: { ...artifact },
          metric: name,
          summary,
          windows: 1,
          devices: 1,
          seen: new Set([`${fleet}/${deviceId}`]),
        });
        continue;
      }
      entry.summary = mergeSummaries(entry.summary, summary);
      entry.windows++;
      entry.seen.add(`${fleet}/${deviceId}`);
      entry.devices = entry.seen.size;
    }
  }
  const byKey = (m: MergedMetric) => [m.artifact.name, m.artifact.version, m.metric];
  return [...merged.values()]
    .map(({ seen: _seen, ...m }) => m)
    .sort((a, b) => {
      const [x, y] = [byKey(a), byKey(b)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
}
