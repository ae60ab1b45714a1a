import { createPrivateKey, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@keelson/testing';
import { startAgent } from '../agent.js';
import type { RunningAgent } from '../agent-options.js';
import { DataDirLayout } from '../data-dir/layout.js';
import { enrollDevice } from '../enrollment/enroll.js';
import { platformFetch } from '../link/platform-fetch.js';
import { deviceTlsIdentity, readPlatformCa } from '../link/platform-trust.js';
import { installOf, startGatewayUnderTest, type GatewayUnderTest } from '../test-fixtures/gateway-under-test.js';

const certSeconds = 15;

// A running agent renews with a new key against the real gateway, over real MQTT, pulling through a
// facade that asks the gateway which certificate is the device's current one (mutual TLS).
describe('an agent that renewed its certificate with a new key', () => {
  let g: GatewayUnderTest;
  let dir: string;
  let agent: RunningAgent | undefined;

  beforeAll(async () => {
    g = await startGatewayUnderTest('plant-7', { KEELSON_DEVICE_CERT_DAYS: String(certSeconds / 86_400) });
    dir = mkdtempSync(join(tmpdir(), 'keelson-renewed-agent-'));
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await g?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls with its new key, goes on over MQTT, and its old key and certificate are refused by the facade', async () => {
    const { token, gatewayUrl, caFingerprint } = await g.mintToken();
    const layout = new DataDirLayout(join(dir, 'cam'));
    const identity = await enrollDevice({ gatewayUrl, token, dataDir: layout.root, name: 'cam', caFingerprint });
    const old = new DataDirLayout(join(dir, 'old'));
    mkdirSync(old.identityDir, { recursive: true });
    for (const file of [layout.deviceKey, layout.deviceCertificate])
      copyFileSync(file, join(old.identityDir, file.slice(layout.identityDir.length + 1)));
    const platformCa = await readPlatformCa(layout);
    const pullAs = async (as: DataDirLayout) =>
      (await platformFetch(platformCa, deviceTlsIdentity(as))(`${g.facade.url}/v1/fleets/plant-7/tuf/1.root.json`)).status;
    expect(await pullAs(old)).toBe(200);

    agent = await startAgent({ dataDir: layout.root, allowExec: ['/bin/true'], heartbeatSeconds: 1 });
    const first = readFileSync(old.deviceCertificate, 'utf8');
    await eventually(() => readFileSync(layout.deviceCertificate, 'utf8') !== first, certSeconds * 1000);
    const [cert, key] = [readFileSync(layout.deviceCertificate, 'utf8'), readFileSync(layout.deviceKey, 'utf8')];
    expect(key).not.toBe(readFileSync(old.deviceKey, 'utf8'));
    expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(new X509Certificate(cert).subject).toBe(new X509Certificate(first).subject);

    expect(await pullAs(old)).toBe(401);
    expect(await pullAs(layout)).toBe(200);
    // Desired state and reports over MQTT (the broker password is not bound to the key), bytes over mutual TLS with the new key.
    const pulledBefore = g.facade.requests.filter((r) => r.deviceId === identity.deviceId).length;
    await g.assign(
      identity.deviceId,
      installOf('a-renewed', g.publishModel('2.0.0'), {
        kind: 'exec',
        path: '/bin/true',
        timeoutSeconds: 5,
        attempts: 1,
        initialDelaySeconds: 0,
      }),
    );
    await g.untilTerminal(identity.deviceId, 'a-renewed');
    expect(await g.statesOf(identity.deviceId, 'a-renewed')).toContain('healthy');
    expect(g.facade.requests.filter((r) => r.deviceId === identity.deviceId).length).toBeGreaterThan(pulledBefore);
    expect(agent.connected).toBe(true);
  }, 60_000);
});
