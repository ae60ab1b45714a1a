import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@keelson/local-infra';
import { DataDirLayout, enrollDevice, readDeviceIdentity, readPlatformCa, runProbe } from '../services/agent/src/index.js';
import { swapContainer } from '../services/agent/src/runtime/container-swap.js';
import { deviceContainers } from '../services/agent/src/runtime/device-containers.js';
import { ImageUnverified, pinnedImageOf, verifyImage } from '../services/agent/src/runtime/pinned-image.js';
import { PodmanLab } from '../services/agent/src/test-fixtures/podman-lab.js';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { deviceFetch } from './support/device-https.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 13, item 4: the agent's podman adapter pulls a published image from the facade with the
// device's own certificate (podman --cert-dir, mutual TLS), checks it against the TUF pin and runs it.
describe('podman-runtime: the agent pulls and runs a published image from the facade (whole platform)', () => {
  let platform: TestPlatform;
  let lab: PodmanLab;
  let dataDir: string;
  let port: number;
  let image: { tar: string; digest: string };

  beforeAll(async () => {
    platform = await startTestPlatform();
    lab = new PodmanLab();
    port = await freePort();
    image = await lab.archive('web', '1', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www']);
    const manifest = join(lab.dir, 'web.json');
    writeFileSync(manifest, JSON.stringify({ kind: 'container', repository: 'apps/web', digest: image.digest }));
    const pushed = await keelson(
      platform.apiUrl,
      platform.adminToken,
      'artifact',
      'push',
      image.tar,
      '--kind',
      'container',
      '--name',
      'web',
      '--version',
      '1.0.0',
      '--manifest',
      manifest,
      '--json',
    );
    expect([pushed.code, pushed.stderr]).toEqual([0, '']);
    const { body } = await platform.api<{ token: string; gatewayUrl: string; caFingerprint: string }>(
      '/v1/enrollment-tokens?fleet=default',
      { body: {} },
    );
    dataDir = mkdtempSync(join(platform.home, 'device-'));
    await enrollDevice({ gatewayUrl: body.gatewayUrl, token: body.token, dataDir, name: 'podman-1', caFingerprint: body.caFingerprint });
  }, 300_000);
  afterAll(async () => {
    await lab?.stop();
    await platform?.destroy();
  }, 60_000);

  it('pulls by digest with the device certificate, verifies the pin, runs the image and probes it healthy', async () => {
    const layout = new DataDirLayout(dataDir);
    const containers = await deviceContainers(layout, await readDeviceIdentity(layout), { ...lab.device });
    // The TUF target's bytes are the manifest the facade serves; the device fetches them as itself.
    const res = await deviceFetch(platform, `${platform.facadeUrl}/v2/web/manifests/${image.digest}`, { as: dataDir });
    const pin = pinnedImageOf(Buffer.from(await res.arrayBuffer()), image.digest.slice(7));

    const imageId = await containers.runtime.pull(containers.source, 'web', pin);
    await expect(verifyImage(containers.runtime, imageId, pin)).resolves.toBeUndefined();
    await expect(verifyImage(containers.runtime, imageId, { ...pin, digest: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(ImageUnverified);

    const probe = { kind: 'http' as const, url: `http://127.0.0.1:${port}/health`, timeoutSeconds: 1, attempts: 5, initialDelaySeconds: 0 };
    const outcome = await swapContainer(
      {
        runtime: containers.runtime,
        runOptions: ['--network=host'],
        journal: async () => undefined,
        probe: () => runProbe(probe, { activePath: '/none', allowExec: new Set(), retryPauseMs: 300 }),
      },
      containers.source,
      { artifact: 'web', version: '1.0.0', pin },
      null,
    );
    expect(outcome).toEqual({ outcome: 'healthy' });
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('web:1\n');
  }, 180_000);

  it('is refused a pull that trusts the facade but presents no device certificate', async () => {
    const layout = new DataDirLayout(dataDir);
    const containers = await deviceContainers(layout, await readDeviceIdentity(layout), { ...lab.device });
    const caOnly = mkdtempSync(join(platform.home, 'ca-only-'));
    writeFileSync(join(caOnly, 'facade-ca.crt'), (await readPlatformCa(layout))!);
    const pin = { digest: image.digest, configDigest: `sha256:${'1'.repeat(64)}` };
    await expect(containers.runtime.pull({ ...containers.source, certDir: caOnly }, 'web', pin)).rejects.toThrow(
      /podman pull failed: .*(unauthorized|401)/i,
    );
  }, 120_000);
});
