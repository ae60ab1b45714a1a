import { createPrivateKey, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceFetch, facadePull } from './support/device-https.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, createRollout, eventually, publishArtifact, rolloutBody, waitForRollout } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 4, trust chain: the facade knows a device by its certificate, and a renewal must not lock
// it out. Certificates of 30 s here, so the agent renews on its own within the test, with a new key
// (the agent's default): the facade (mutual TLS) takes the new key and certificate at once, MQTT
// (broker password, not bound to the key) carries on, and the old key's certificate is refused.
describe('a device renewing its certificate while it runs', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv: { 'device-gateway': { KEELSON_DEVICE_CERT_DAYS: String(30 / 86_400) } } });
    fleet = await startFleet(platform, { count: 1 });
    await createGroup(platform, 'renewing', [fleet.devices[0]!.name]);
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('renews with a new key, is served with it at once, its old key and certificate are refused, and updates go on', async () => {
    const device = fleet.devices[0]!;
    const identity = join(device.dataDir, 'identity');
    const before = mkdtempSync(join(platform.home, 'before-renewal-'));
    mkdirSync(join(before, 'identity'));
    for (const file of ['device.crt', 'device.key']) copyFileSync(join(identity, file), join(before, 'identity', file));
    expect(await facadePull(platform, before)).toBe(200);

    const first = readFileSync(join(before, 'identity', 'device.crt'), 'utf8');
    await eventually(
      'the agent renewed its certificate',
      async () => (readFileSync(join(identity, 'device.crt'), 'utf8') !== first ? true : undefined),
      45_000,
    );
    const [renewedCert, newKey] = [readFileSync(join(identity, 'device.crt'), 'utf8'), readFileSync(join(identity, 'device.key'), 'utf8')];
    expect(newKey).not.toBe(readFileSync(join(before, 'identity', 'device.key'), 'utf8'));
    expect(new X509Certificate(renewedCert).checkPrivateKey(createPrivateKey(newKey))).toBe(true);
    expect(new X509Certificate(renewedCert).subject).toBe(new X509Certificate(first).subject);
    expect(await facadePull(platform, device.dataDir)).toBe(200);
    await eventually(
      'the old certificate refused',
      async () => {
        const res = await deviceFetch(platform, `${platform.facadeUrl}/v1/fleets/default/tuf/1.root.json`, { as: before });
        const body = (await res.json()) as { error?: { code: string } };
        return res.status === 401 && body.error?.code === 'device.certificate-superseded' ? true : undefined;
      },
      5_000,
    );
    const renewals = await eventually('the renewal in the audit log', async () => {
      const found = (await auditOf(platform, `device=${device.deviceId}`)).filter((e) => e.type.endsWith('DeviceCertificateRenewed'));
      return found.length > 0 ? found : undefined;
    });
    expect(renewals[0]!.data).toMatchObject({ deviceId: device.deviceId, keyRotated: true });

    // Desired state and reports travel over MQTT, the pull over mutual TLS with the new key.
    const bytes = Buffer.from(`renewed 1.0.0\n${'weights '.repeat(1000)}`);
    await publishArtifact(platform, { name: 'renewed', version: '1.0.0', bytes });
    const created = await createRollout(
      platform,
      rolloutBody('renewed@1.0.0', 'renewing', { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 2 }, [100]),
    );
    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect(done.status).toBe('succeeded');
    expect(readFileSync(device.activeFile('renewed', 'model.onnx'))).toEqual(bytes);
  }, 120_000);
});
