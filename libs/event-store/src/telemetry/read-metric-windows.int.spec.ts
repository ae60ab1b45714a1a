import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DeviceMetrics } from '@keelson/events';
import { summarize } from '@keelson/experiment-stats';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { applyTelemetryMetrics, metricsSubject, telemetryMetricsConfig } from './metrics-stream.js';
import { readMergedMetrics, readMetricWindows } from './read-metric-windows.js';

const message = (deviceId: string, version: string, values: number[]): DeviceMetrics => ({
  type: 'DeviceMetrics',
  schemaVersion: 1,
  data: {
    deviceId,
    artifact: { name: 'yolo', version },
    windowStart: '2026-12-07T10:00:00.000Z',
    windowEnd: '2026-12-07T10:01:00.000Z',
    metrics: [{ name: 'confidence', ...summarize(values) }],
  },
});

describe('reading metric windows from TELEMETRY_METRICS on a real nats-server', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const put = async (fleet: string, deviceId: string, m: DeviceMetrics | string) =>
    jetstream(nc).publish(metricsSubject(naming, fleet, deviceId), typeof m === 'string' ? m : JSON.stringify(m));
  let from: Date;
  let to: Date;

  beforeAll(async () => {
    nc = await connectTestNats();
    jsm = await jetstreamManager(nc);
    await applyTelemetryMetrics(jsm, naming, { replicas: 1, maxAgeSeconds: 3600 });
    await put('default', 'cam-0', message('cam-0', '2.1.0', [100])); // before the range
    await pause(50);
    from = new Date();
    await put('default', 'cam-1', message('cam-1', '2.1.0', [0.5, 0.75]));
    await put('other', 'cam-9', message('cam-9', '2.1.0', [100])); // another fleet
    await put('default', 'cam-2', message('cam-2', '2.1.0', [0.25]));
    await put('default', 'cam-2', '{"not": "a window"}'); // only a newer writer could store this: skipped
    await put('default', 'cam-1', message('cam-1', '2.2.0', [1]));
    await pause(50);
    to = new Date();
    await put('default', 'cam-1', message('cam-1', '2.1.0', [100])); // after the range
  });
  afterAll(() => nc.close());

  it('keeps windows for their age limit only, on a limits-based stream outside the event streams', async () => {
    const config = (await jsm.streams.info(telemetryMetricsConfig(naming, { replicas: 1, maxAgeSeconds: 3600 }).name)).config;
    expect({ max_age: config.max_age, deny_delete: config.deny_delete ?? false, subjects: config.subjects }).toEqual({
      max_age: 3600e9,
      deny_delete: false,
      subjects: [`${naming.subjectPrefix}tm.metrics.>`],
    });
  });

  it("reads one fleet's windows accepted within the range, in order", async () => {
    const windows = await readMetricWindows(jsm, naming, { fleet: 'default', from, to });
    expect(windows.map((w) => [w.deviceId, w.message.data.artifact.version])).toEqual([
      ['cam-1', '2.1.0'],
      ['cam-2', '2.1.0'],
      ['cam-1', '2.2.0'],
    ]);
  });

  it('merges them per version and metric, optionally for some devices only', async () => {
    const merged = await readMergedMetrics(jsm, naming, { fleet: 'default', from, to });
    expect(merged.map((m) => [m.artifact.version, m.metric, m.summary.count, m.summary.sum, m.devices])).toEqual([
      ['2.1.0', 'confidence', 3, 1.5, 2],
      ['2.2.0', 'confidence', 1, 1, 1],
    ]);
    const one = await readMergedMetrics(jsm, naming, { fleet: 'default', from, to, deviceIds: new Set(['cam-2']) });
    expect(one.map((m) => [m.artifact.version, m.summary.count])).toEqual([['2.1.0', 1]]);
  });

  it('finds nothing in a range with no windows, and refuses a fleet that is not a subject token', async () => {
    expect(
      await readMetricWindows(jsm, naming, { fleet: 'default', from: new Date(Date.now() + 60_000), to: new Date(Date.now() + 120_000) }),
    ).toEqual([]);
    await expect(readMetricWindows(jsm, naming, { fleet: 'a.>', from, to })).rejects.toMatchObject({ code: 'subject.invalid-token' });
  });
});
