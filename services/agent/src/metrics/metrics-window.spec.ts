import { maxDeviceMetricsBytes, maxMetricsPerWindow, parseDeviceMessage } from '@keelson/events';
import { mergeSummaries, summarize } from '@keelson/experiment-stats';
import { MetricsWindow } from './metrics-window.js';

describe('a metrics window', () => {
  const artifact = { name: 'yolo', version: '2.1.0' };
  const start = new Date('2026-12-07T10:00:00Z');
  const end = new Date('2026-12-07T10:01:00Z');

  it('merges scrapes per metric and builds a message the device protocol accepts', () => {
    const window = new MetricsWindow(artifact, start);
    window.add(new Map([['confidence_mean', summarize([0.8, 0.82])]]));
    window.add(
      new Map([
        ['confidence_mean', summarize([0.79])],
        ['latency_ms', summarize([31, 40])],
      ]),
    );
    const { message, left } = window.message('cam-1', end)!;
    expect(left).toEqual([]);
    expect(parseDeviceMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
    expect(message.data).toMatchObject({ deviceId: 'cam-1', artifact, windowStart: start.toISOString(), windowEnd: end.toISOString() });
    expect(message.data.metrics).toEqual([
      { name: 'confidence_mean', ...mergeSummaries(summarize([0.8, 0.82]), summarize([0.79])) },
      { name: 'latency_ms', ...summarize([31, 40]) },
    ]);
  });

  it('has nothing to send without values, and leaves out names the protocol refuses', () => {
    const window = new MetricsWindow(artifact, start);
    window.add(
      new Map([
        ['job:rate5m', summarize([1])],
        ['idle', summarize([])],
      ]),
    );
    expect(window.empty).toBe(true);
    expect(window.message('cam-1', end)).toBeUndefined();
  });

  it('keeps to the metric cap and the byte cap, saying what it left out', () => {
    const window = new MetricsWindow(artifact, start);
    // values spread over nine decades: hundreds of sketch bins per metric
    const wide = summarize(Array.from({ length: 2000 }, (_, i) => 10 ** (i / 220)));
    window.add(new Map(Array.from({ length: maxMetricsPerWindow + 3 }, (_, i) => [`m${String(i).padStart(2, '0')}`, wide])));
    const { message, left } = window.message('cam-1', end)!;
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(maxDeviceMetricsBytes);
    expect(message.data.metrics.length + left.length).toBe(maxMetricsPerWindow + 3);
    expect(left).toContain('m34');
    expect(message.data.metrics[0]!.name).toBe('m00');
  });
});
