import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { meanOf } from '@keelson/experiment-stats';
import { readMergedMetrics, readMetricWindows, type MetricWindow } from '@keelson/event-store';
import { parseAppMetricsSpec } from '../services/agent/src/index.js';
import { deviceFetch } from './support/device-https.js';
import { connectDiagnostics } from './support/event-streams.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { connectAs } from './support/impostor.js';
import {
  createGroup,
  createRollout,
  eventually,
  publishArtifact,
  rolloutBody,
  waitForRollout,
  type ProbeSpec,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const naming = { streamPrefix: '', subjectPrefix: '' };
const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The gateway's count of metric windows it dropped, by reason, from its /metrics. */
async function droppedWindows(platform: TestPlatform): Promise<Record<string, number>> {
  const text = await (await deviceFetch(platform, `${platform.gatewayUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^keelson_device_metrics_dropped_total\{[^}]*reason="([^"]+)"[^}]*\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

// Issue 14 item 1: devices send per-window metric summaries, tagged with the version they run; the
// gateway keeps good ones as telemetry and drops (and counts) oversized, malformed, misaddressed and too frequent ones.
describe('device metrics', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const since = new Date();
  const windows = async (): Promise<MetricWindow[]> =>
    readMetricWindows(jsm, naming, { fleet: 'default', from: since, to: new Date(Date.now() + 60_000) });

  beforeAll(async () => {
    platform = await startTestPlatform({
      diagnosticsUser: true,
      serviceEnv: { 'device-gateway': { KEELSON_METRICS_BURST: '3', KEELSON_METRICS_REFILL_MS: '500' } },
    });
    const metrics = parseAppMetricsSpec('confidence_mean=normal(0.8,0.02)@1.0.0,normal(0.9,0.02)@2.0.0;latency_ms=lognormal(3.5,0.3)@*');
    fleet = await startFleet(platform, { count: 2, appMetrics: { metrics, windowSeconds: 2, scrapeSeconds: 1 } });
    nc = await connectDiagnostics(platform, 'e2e-device-metrics');
    jsm = await jetstreamManager(nc);
    await createGroup(
      platform,
      'pair',
      fleet.devices.map((d) => d.name),
    );
    await createGroup(platform, 'first', [fleet.devices[0]!.name]);
    await publishArtifact(platform, { name: 'classifier', version: '1.0.0', bytes: 'weights v1' });
    await publishArtifact(platform, { name: 'classifier', version: '2.0.0', bytes: 'weights v2' });
  }, 240_000);

  afterAll(async () => {
    await nc?.close();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('sends nothing before a version runs, then summaries tagged with the version each device runs', async () => {
    await pause(3_000); // a window's length with nothing installed: no honest tag, nothing sent
    expect(await windows()).toEqual([]);
    const first = await createRollout(platform, rolloutBody('classifier@1.0.0', 'pair', probe, [100]));
    expect((await waitForRollout(platform, first.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    const [a, b] = fleet.devices;
    await eventually('windows of 1.0.0 from both devices', async () => {
      const from = new Set((await windows()).filter((w) => w.message.data.artifact.version === '1.0.0').map((w) => w.deviceId));
      return from.has(a!.deviceId) && from.has(b!.deviceId) ? true : undefined;
    });
    const second = await createRollout(platform, rolloutBody('classifier@2.0.0', 'first', probe, [100]));
    expect((await waitForRollout(platform, second.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    await eventually('windows of 2.0.0 from the first device', async () =>
      (await windows()).filter((w) => w.message.data.artifact.version === '2.0.0').length >= 2 ? true : undefined,
    );

    const all = await windows();
    expect(all.filter((w) => w.message.data.artifact.version === '2.0.0').every((w) => w.deviceId === a!.deviceId)).toBe(true);
    expect(all.every((w) => w.message.data.artifact.name === 'classifier' && w.message.data.deviceId === w.deviceId)).toBe(true);
    const merged = await readMergedMetrics(jsm, naming, { fleet: 'default', from: since, to: new Date() });
    const confidence = (version: string) => merged.find((m) => m.artifact.version === version && m.metric === 'confidence_mean')!;
    expect(confidence('1.0.0').devices).toBe(2);
    expect(meanOf(confidence('1.0.0').summary)).toBeCloseTo(0.8, 1);
    expect(meanOf(confidence('2.0.0').summary)).toBeCloseTo(0.9, 1);
    expect(merged.some((m) => m.metric === 'latency_ms' && m.summary.count > 0)).toBe(true);
  }, 180_000);

  it('drops oversized, malformed, misaddressed and inconsistent summaries, counting each, and stores none of them', async () => {
    const [a, b] = fleet.devices;
    await a!.stop(); // device a is compromised: someone else holds its credentials
    await pause(2_500); // its last window is in, and its bucket is full again
    const storedOf = async (deviceId: string) => (await windows()).filter((w) => w.deviceId === deviceId).length;
    const before = { dropped: await droppedWindows(platform), a: await storedOf(a!.deviceId) };
    const impostor = await connectAs(a!.dataDir);
    const own = `${impostor.topicRoot}/dev/${a!.deviceId}/metrics`;
    const good = (await windows()).find((w) => w.deviceId === a!.deviceId)!.message;
    const forged = (data: Record<string, unknown>) =>
      JSON.stringify({ ...good, data: { ...good.data, artifact: { name: 'classifier', version: '6.6.6' }, ...data } });
    const [metric] = good.data.metrics;
    const bad: [string, string][] = [
      [
        'oversized',
        forged({ metrics: [{ ...metric, sketch: { ...metric!.sketch, positive: Array.from({ length: 3000 }, (_, i) => [i, 1]) } }] }),
      ],
      ['not-json', '{"type": "DeviceMetrics", '],
      ['invalid', JSON.stringify({ type: 'DeviceMetrics', schemaVersion: 1, data: { deviceId: a!.deviceId } })],
      ['device-mismatch', forged({ deviceId: b!.deviceId })],
      ['invalid-summary', forged({ metrics: [{ ...metric, count: metric!.count + 1 }] })],
    ];
    for (const [, payload] of bad) {
      await impostor.client.publishAsync(own, payload, { qos: 1 });
      await pause(600); // within the rate: each is dropped for what it is
    }
    // The broker drops a publish under another device's topic (it still acknowledges it).
    await impostor.client.publishAsync(`${impostor.topicRoot}/dev/${b!.deviceId}/metrics`, forged({ deviceId: b!.deviceId }), { qos: 1 });

    const dropped = await eventually('the gateway counting each bad window', async () => {
      const now = await droppedWindows(platform);
      return bad.every(([reason]) => (now[reason] ?? 0) > (before.dropped[reason] ?? 0)) ? now : undefined;
    });
    expect(dropped).toBeDefined();
    const stored = await windows();
    expect(stored.filter((w) => w.message.data.artifact.version === '6.6.6')).toEqual([]);
    expect(stored.filter((w) => w.deviceId === a!.deviceId)).toHaveLength(before.a);
    await impostor.client.endAsync();
  }, 120_000);

  it('keeps a device to its rate: a burst goes through, the rest is dropped and counted', async () => {
    const [a] = fleet.devices;
    await pause(2_000); // a full bucket (burst 3)
    const impostor = await connectAs(a!.dataDir);
    const own = `${impostor.topicRoot}/dev/${a!.deviceId}/metrics`;
    const good = (await windows()).find((w) => w.deviceId === a!.deviceId)!.message;
    const before = {
      dropped: (await droppedWindows(platform))['rate-limited'] ?? 0,
      stored: (await windows()).filter((w) => w.deviceId === a!.deviceId).length,
    };
    const flood = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ ...good, data: { ...good.data, windowEnd: new Date(Date.now() + i).toISOString() } }),
    );
    await Promise.all(flood.map((payload) => impostor.client.publishAsync(own, payload, { qos: 1 })));
    const limited = await eventually('the flood counted as rate-limited', async () => {
      const n = ((await droppedWindows(platform))['rate-limited'] ?? 0) - before.dropped;
      return n >= 6 ? n : undefined;
    });
    const storedNow = await eventually(
      'the rest of the flood stored',
      async () => {
        const n = (await windows()).filter((w) => w.deviceId === a!.deviceId).length - before.stored;
        return n + limited === 10 ? n : undefined;
      },
      10_000,
    );
    expect(storedNow).toBeGreaterThanOrEqual(3);
    expect(storedNow).toBeLessThanOrEqual(4); // the burst, and at most one token refilled while the flood arrived
    await impostor.client.endAsync();
  }, 60_000);
});
