import { DeviceMetrics, maxMetricsPerWindow, maxSketchBins } from './device-metrics.js';
import { fastDeviceMetrics } from './device-metrics.fast.js';

// The fast path must agree with zod: the same value for every window it accepts, and no acceptance of
// anything zod refuses (it returns undefined and leaves those to zod).
let seed = 7;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
const bins = (n: number): [number, number][] => {
  let key = int(-400, 0);
  return Array.from({ length: n }, () => [(key += int(1, 5)), int(1, 50)]);
};
const metric = (i: number) => ({
  name: `metric_${i}`,
  count: int(0, 5000),
  sum: next() * 1e4 - 5e3,
  sumOfSquares: next() * 1e6,
  sketch: { relativeAccuracy: 0.01, zeroCount: int(0, 3), positive: bins(int(0, 40)), negative: bins(int(0, 3)) },
});
const window = (): DeviceMetrics => ({
  type: 'DeviceMetrics',
  schemaVersion: 1,
  data: {
    deviceId: `cam-${int(1, 99)}`,
    artifact: { name: 'yolo-dock', version: `2.${int(0, 9)}.0` },
    windowStart: '2026-12-07T10:00:00.000Z',
    windowEnd: '2026-12-07T10:01:00.000Z',
    metrics: Array.from({ length: int(1, 6) }, (_, i) => metric(i)),
  },
});
const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('the fast path of DeviceMetrics', () => {
  it('returns what zod returns for valid windows', () => {
    for (let i = 0; i < 60; i++) {
      const raw = window();
      expect(fastDeviceMetrics(copy(raw))).toEqual(DeviceMetrics.parse(copy(raw)));
    }
  });

  const base = window();
  const first = base.data.metrics[0]!;
  const withMetric = (change: object) => ({ ...base, data: { ...base.data, metrics: [{ ...first, ...change }] } });
  const withSketch = (change: object) => withMetric({ sketch: { ...first.sketch, ...change } });
  it.each<[string, unknown]>([
    ['another type', { ...base, type: 'DeviceReport' }],
    ['another version', { ...base, schemaVersion: 2 }],
    ['an extra field', { ...base, data: { ...base.data, extra: 1 } }],
    ['a device id that is not a token', { ...base, data: { ...base.data, deviceId: 'Cam 1' } }],
    ['a time that is not ISO', { ...base, data: { ...base.data, windowEnd: 'yesterday' } }],
    ['an artifact without a version', { ...base, data: { ...base.data, artifact: { name: 'yolo' } } }],
    ['no metrics', { ...base, data: { ...base.data, metrics: [] } }],
    [
      'too many metrics',
      {
        ...base,
        data: { ...base.data, metrics: Array.from({ length: maxMetricsPerWindow + 1 }, (_, i) => ({ ...first, name: `m${i}` })) },
      },
    ],
    ['a metric twice', { ...base, data: { ...base.data, metrics: [first, first] } }],
    ['a metric name with a colon', withMetric({ name: 'job:rate' })],
    ['a fractional count', withMetric({ count: 1.5 })],
    ['a negative sum of squares', withMetric({ sumOfSquares: -1 })],
    ['a sum that is a string', withMetric({ sum: '3' })],
    ['an accuracy of 1', withSketch({ relativeAccuracy: 1 })],
    ['a bin of three numbers', withSketch({ positive: [[1, 2, 3]] })],
    ['a bin with a zero count', withSketch({ positive: [[1, 0]] })],
    ['a fractional bin key', withSketch({ negative: [[1.5, 2]] })],
    ['too many bins', withSketch({ positive: Array.from({ length: maxSketchBins + 1 }, (_, i) => [i, 1]) })],
  ])('leaves %s to zod, which refuses it', (_what, raw) => {
    expect(fastDeviceMetrics(copy(raw))).toBeUndefined();
    expect(() => DeviceMetrics.parse(copy(raw))).toThrow();
  });
});
