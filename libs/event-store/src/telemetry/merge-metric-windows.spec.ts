import type { DeviceMetrics } from '@keelson/events';
import { mergeAll, summarize } from '@keelson/experiment-stats';
import { mergeMetricWindows, type MetricWindow } from './merge-metric-windows.js';

const windowOf = (deviceId: string, version: string, metrics: Record<string, number[]>): MetricWindow => {
  const message: DeviceMetrics = {
    type: 'DeviceMetrics',
    schemaVersion: 1,
    data: {
      deviceId,
      artifact: { name: 'yolo', version },
      windowStart: '2026-12-07T10:00:00.000Z',
      windowEnd: '2026-12-07T10:01:00.000Z',
      metrics: Object.entries(metrics).map(([name, values]) => ({ name, ...summarize(values) })),
    },
  };
  return { fleet: 'default', deviceId, acceptedAt: new Date('2026-12-07T10:01:01Z'), message };
};

describe('merging metric windows per artifact version and metric', () => {
  const windows = [
    windowOf('cam-1', '2.1.0', { confidence: [0.75, 0.875], latency: [30] }),
    windowOf('cam-2', '2.2.0', { confidence: [0.5] }),
    windowOf('cam-1', '2.1.0', { confidence: [0.625] }),
    windowOf('cam-3', '2.1.0', { confidence: [0.8125, 0.75] }),
  ];

  it('gives each (version, metric) the summary of all its values, with windows and devices counted', () => {
    const merged = mergeMetricWindows(windows);
    expect(merged.map((m) => [m.artifact.version, m.metric, m.windows, m.devices])).toEqual([
      ['2.1.0', 'confidence', 3, 2],
      ['2.1.0', 'latency', 1, 1],
      ['2.2.0', 'confidence', 1, 1],
    ]);
    expect(merged[0]!.summary).toEqual(mergeAll([summarize([0.75, 0.875]), summarize([0.625]), summarize([0.8125, 0.75])]));
  });

  // Values exact in binary, so sums in any order are equal to the last bit.
  it('does not depend on the order the windows come in', () => {
    expect(mergeMetricWindows([...windows].reverse())).toEqual(mergeMetricWindows(windows));
  });

  it('is empty for no windows', () => {
    expect(mergeMetricWindows([])).toEqual([]);
  });
});
