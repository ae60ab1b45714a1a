import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyTelemetryMetrics, metricsSubject } from '@keelson/event-store';
import type { DeviceMetrics, ExperimentCreated } from '@keelson/events';
import { summarize } from '@keelson/experiment-stats';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { telemetryArmMetrics } from './arm-metrics-source.js';

const window = (deviceId: string, name: string, version: string, windowEnd: string, metrics: Record<string, number[]>): DeviceMetrics => ({
  type: 'DeviceMetrics',
  schemaVersion: 1,
  data: {
    deviceId,
    artifact: { name, version },
    windowStart: '2026-12-07T10:00:00.000Z',
    windowEnd,
    metrics: Object.entries(metrics).map(([metric, values]) => ({ name: metric, ...summarize(values) })),
  },
});

describe("an experiment's arm metrics from TELEMETRY_METRICS on a real nats-server", () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let since: string;
  const created = (fleet: string) =>
    ({
      fleet,
      experimentId: 'x-0123456789ab',
      artifactName: 'yolo',
      candidate: '2.0.0',
      baseline: '1.0.0',
      createdAt: since,
    }) as ExperimentCreated['data'];
  const experiment = (fleet = 'default') => ({
    created: created(fleet),
    candidateDeviceIds: ['cam-1', 'cam-2'],
    controlDeviceIds: ['cam-3'],
  });
  const put = (fleet: string, m: DeviceMetrics) => jetstream(nc).publish(metricsSubject(naming, fleet, m.data.deviceId), JSON.stringify(m));

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyTelemetryMetrics(await jetstreamManager(nc), naming, { replicas: 1, maxAgeSeconds: 3600 });
    await put('default', window('cam-1', 'yolo', '2.0.0', '2026-12-07T09:59:00.000Z', { confidence: [9] })); // before the experiment
    await new Promise((r) => setTimeout(r, 20));
    since = new Date().toISOString();
    await put('default', window('cam-1', 'yolo', '2.0.0', '2026-12-07T10:01:00.000Z', { confidence: [0.9, 0.8], latency: [40] }));
    await put('default', window('cam-2', 'yolo', '1.0.0', '2026-12-07T10:01:00.000Z', { confidence: [5] })); // not yet on the candidate
    await put('default', window('cam-2', 'yolo', '2.0.0', '2026-12-07T10:02:00.000Z', { confidence: [0.7] }));
    await put('default', window('cam-2', 'other', '2.0.0', '2026-12-07T10:02:00.000Z', { confidence: [6] })); // another artifact
    await put('default', window('cam-3', 'yolo', '1.0.0', '2026-12-07T10:02:00.000Z', { confidence: [0.6] }));
    await put('default', window('cam-9', 'yolo', '2.0.0', '2026-12-07T10:02:00.000Z', { confidence: [7] })); // in neither arm
    await put('other', window('cam-1', 'yolo', '2.0.0', '2026-12-07T10:02:00.000Z', { confidence: [8] })); // another fleet
  });
  afterAll(() => nc.close());

  const source = () => telemetryArmMetrics({ nc, naming, now: () => new Date(Date.now() + 1000) });

  it("gives the candidate arm its devices' windows of the candidate version since the experiment began", async () => {
    const got = await source().summaries(experiment(), 'candidate', 'confidence', since);
    expect(got).toEqual([
      { windowEnd: '2026-12-07T10:01:00.000Z', deviceId: 'cam-1', summary: summarize([0.9, 0.8]) },
      { windowEnd: '2026-12-07T10:02:00.000Z', deviceId: 'cam-2', summary: summarize([0.7]) },
    ]);
    expect(await source().summaries(experiment(), 'candidate', 'latency', since)).toEqual([
      { windowEnd: '2026-12-07T10:01:00.000Z', deviceId: 'cam-1', summary: summarize([40]) },
    ]);
  });

  it("gives the control arm its devices' windows of the baseline, and an empty arm or fleet nothing", async () => {
    expect(await source().summaries(experiment(), 'control', 'confidence', since)).toEqual([
      { windowEnd: '2026-12-07T10:02:00.000Z', deviceId: 'cam-3', summary: summarize([0.6]) },
    ]);
    expect(await source().summaries({ ...experiment(), controlDeviceIds: [] }, 'control', 'confidence', since)).toEqual([]);
    expect(await source().summaries(experiment('nowhere'), 'candidate', 'confidence', since)).toEqual([]);
  });
});
