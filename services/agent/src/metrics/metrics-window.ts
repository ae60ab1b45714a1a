import { maxDeviceMetricsBytes, maxMetricsPerWindow, type DeviceMetrics } from '@keelson/events/device-protocol';
import { mergeSummaries, type MetricSummary } from '@keelson/experiment-stats';

/** The artifact whose application the metrics measure: what a window is tagged with. */
export interface MetricsArtifact {
  name: string;
  version: string;
}

const metricName = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/**
 * One window's metrics while it is open: each scrape's summaries merged into the window's, per
 * metric, under the one artifact version that ran throughout. Values never leave this object, only
 * the summaries; the window holds one summary per metric whatever the number of scrapes.
 */
export class MetricsWindow {
  private readonly metrics = new Map<string, MetricSummary>();

  constructor(
    readonly artifact: MetricsArtifact,
    readonly start: Date,
  ) {}

  add(summaries: ReadonlyMap<string, MetricSummary>): void {
    for (const [name, summary] of summaries) {
      if (!metricName.test(name)) continue; // the wire contract's names: no recording-rule colons
      const held = this.metrics.get(name);
      this.metrics.set(name, held ? mergeSummaries(held, summary) : summary);
    }
  }

  get empty(): boolean {
    return ![...this.metrics.values()].some((m) => m.count > 0);
  }

  /**
   * The window as the device protocol carries it, within the gateway's limits: the first
   * `maxMetricsPerWindow` metrics by name, then as many of those as fit in `maxDeviceMetricsBytes`.
   * `left` names what did not fit; undefined when there is nothing to send.
   */
  message(deviceId: string, end: Date): { message: DeviceMetrics; left: string[] } | undefined {
    const names = [...this.metrics.keys()].filter((n) => this.metrics.get(n)!.count > 0).sort();
    const left = names.splice(maxMetricsPerWindow);
    for (;;) {
      if (names.length === 0) return undefined;
      const message: DeviceMetrics = {
        type: 'DeviceMetrics',
        schemaVersion: 1,
        data: {
          deviceId,
          artifact: { ...this.artifact },
          windowStart: this.start.toISOString(),
          windowEnd: end.toISOString(),
          metrics: names.map((name) => ({ name, ...this.metrics.get(name)! })),
        },
      };
      if (Buffer.byteLength(JSON.stringify(message)) <= maxDeviceMetricsBytes) return { message, left };
      left.unshift(names.pop()!);
    }
  }
}
