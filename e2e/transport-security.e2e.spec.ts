import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import { createRollout, publishArtifact, rolloutBody, waitForRollout } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 4, broker permissions: MQTT and the device-facing HTTP are TLS from the installation's own CA,
// devices pin that CA at enrollment, and the whole loop runs on it with least-privilege service users.
const status = (url: string, ca?: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

/** True when the connection fails or closes before a CONNACK, false when the broker accepts it. */
const mqttRefused = (url: string, options: mqtt.IClientOptions) =>
  new Promise<boolean>((resolve) => {
    const client = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 8_000 });
    const settle = (refused: boolean) => {
      client.end(true);
      resolve(refused);
    };
    client.once('connect', () => settle(false));
    client.once('error', () => settle(true));
    client.once('close', () => settle(true));
  });

describe('transport security towards devices', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;

  beforeAll(async () => {
    platform = await startTestPlatform({ tls: true });
    fleet = await startFleetInGroup(platform, 'tls', { count: 3 });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('serves MQTT, enrollment and the facade over TLS from the local CA, and pins that CA in the enroll command', async () => {
    const tls = platform.tls!;
    expect(platform.nats.mqttUrl).toMatch(/^mqtts:\/\//);
    expect(platform.gatewayUrl).toMatch(/^https:\/\//);
    expect(platform.facadeUrl).toMatch(/^https:\/\//);
    expect(await status(`${platform.facadeUrl}/healthz`, tls.caPem)).toBe(200);
    expect(await status(`${platform.gatewayUrl}/healthz`, tls.caPem)).toBe(200);
    expect(await status(`${platform.facadeUrl}/readyz`, tls.caPem)).toBe(200); // every service: ready once started
    expect(await status(`${platform.gatewayUrl}/readyz`, tls.caPem)).toBe(200);
    await expect(status(`${platform.facadeUrl}/healthz`)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    await expect(fetch(`${platform.gatewayUrl.replace('https:', 'http:')}/healthz`)).rejects.toThrow();

    const { body } = await platform.api<{ caFingerprint: string; enrollCommand: string }>('/v1/enrollment-tokens', { body: {} });
    expect(body.caFingerprint).toBe(tls.caFingerprint);
    expect(body.enrollCommand).toContain(`--gateway ${platform.gatewayUrl} `);
    expect(body.enrollCommand).toContain(`--ca-fingerprint ${tls.caFingerprint}`);

    // Each simulated device pinned the CA at enrollment and keeps it for MQTT and the facade.
    for (const device of fleet.devices) expect(readFileSync(join(device.dataDir, 'identity', 'platform-ca.pem'), 'utf8')).toBe(tls.caPem);
  });

  it('refuses MQTT in the clear and MQTT over TLS from a client that does not trust the platform CA', async () => {
    const device = fleet.devices[0]!;
    // The device's own, valid credentials: only the transport can be the reason for the refusal.
    const broker = JSON.parse(readFileSync(join(device.dataDir, 'identity', 'broker.json'), 'utf8')) as {
      clientId: string;
      username: string;
      password: string;
    };
    const credentials = { clientId: broker.clientId, username: broker.username, password: broker.password, clean: false };
    const port = new URL(platform.nats.mqttUrl).port;
    expect(await mqttRefused(`mqtt://127.0.0.1:${port}`, credentials)).toBe(true);
    expect(await mqttRefused(platform.nats.mqttUrl, credentials)).toBe(true);
  }, 30_000);

  it('rolls an update out over TLS end to end', async () => {
    const bytes = Buffer.from(`tls model\n${'weights '.repeat(2000)}`);
    await publishArtifact(platform, { name: 'tls-model', version: '1.0.0', bytes });
    const created = await createRollout(
      platform,
      rolloutBody('tls-model@1.0.0', 'tls', { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 2 }, [100]),
    );
    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect(done.status).toBe('succeeded');
    for (const device of fleet.devices) expect(readFileSync(device.activeFile('tls-model', 'model.onnx'))).toEqual(bytes);
  }, 120_000);
});
