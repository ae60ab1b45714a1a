import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataDirLayout, enrollDevice } from '../../services/agent/src/index.js';
import { writeOciLayout, type OciImage } from '../../services/registry-facade/src/test-fixtures/oci-images.js';
import { containerManifest, pushContainer } from './container-artifacts.js';
import { platformCaOf } from './device-https.js';
import type { TestPlatform } from './test-platform.js';

// skopeo as a device runs it against the facade's OCI distribution API: with the device's own
// certificate, trusting the platform CA (e2e/oci-pull.e2e.spec.ts).

/** An enrolled device, ready for skopeo. */
export interface SkopeoDevice {
  deviceId: string;
  dataDir: string;
  /** skopeo's --src-cert-dir: the device's certificate and key, and the CA the facade's certificate chains to. */
  certDir: string;
}

/** Enrolls a device named `name` into `fleet` (a token minted through the api) and lays out its cert dir for skopeo. */
export async function enrollSkopeoDevice(platform: TestPlatform, fleet: string, name: string): Promise<SkopeoDevice> {
  const { body } = await platform.api<{ token: string; gatewayUrl: string; caFingerprint: string }>(
    `/v1/enrollment-tokens?fleet=${fleet}`,
    {
      body: {},
    },
  );
  const dataDir = mkdtempSync(join(platform.home, `device-${name}-`));
  const { deviceId } = await enrollDevice({
    gatewayUrl: body.gatewayUrl,
    token: body.token,
    dataDir,
    name,
    caFingerprint: body.caFingerprint,
  });
  const layout = new DataDirLayout(dataDir);
  const certDir = join(dataDir, 'skopeo-certs');
  mkdirSync(certDir);
  copyFileSync(layout.deviceCertificate, join(certDir, 'client.cert'));
  copyFileSync(layout.deviceKey, join(certDir, 'client.key'));
  writeFileSync(join(certDir, 'facade-ca.crt'), platformCaOf(platform));
  return { deviceId, dataDir, certDir };
}

/** `skopeo copy --all oci:LAYOUT oci-archive:TAR` and `keelson artifact push TAR --kind container` into `fleet`. */
export async function publishImage(platform: TestPlatform, image: OciImage, name: string, fleet: string): Promise<void> {
  const work = mkdtempSync(join(platform.home, 'image-'));
  const tar = join(work, 'image.tar');
  const layout = writeOciLayout(work, '1.0.0', [image]).path;
  const made = spawnSync('skopeo', ['copy', '--quiet', `oci:${layout}:1.0.0`, `oci-archive:${tar}:1.0.0`], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`skopeo copy failed: ${made.stderr}`);
  const manifest = containerManifest(join(work, 'manifest.json'), `apps/${name}`, image.manifest.digest);
  const pushed = await pushContainer(platform, { tar, name, version: '1.0.0', manifest }, '--fleet', fleet, '--json');
  expect([pushed.code, pushed.stderr]).toEqual([0, '']);
  expect(pushed.json()).toMatchObject({ status: 'published', sha256: image.manifest.digest.slice(7) });
}

/** `skopeo copy` of `name@digest` from the facade into a fresh OCI layout, as `device`. */
export async function skopeoPull(
  platform: TestPlatform,
  device: SkopeoDevice,
  name: string,
  digest: string,
): Promise<{ ok: boolean; stderr: string; layout: string }> {
  const layout = mkdtempSync(join(platform.home, 'pulled-'));
  const source = `docker://${new URL(platform.facadeUrl).host}/${name}@${digest}`;
  const args = [
    '--insecure-policy',
    'copy',
    '--quiet',
    '--retry-times',
    '0',
    '--src-cert-dir',
    device.certDir,
    source,
    `oci:${layout}:pulled`,
  ];
  try {
    await promisify(execFile)('skopeo', args, { timeout: 60_000 });
    return { ok: true, stderr: '', layout };
  } catch (err) {
    return { ok: false, stderr: (err as { stderr?: string }).stderr ?? String(err), layout };
  }
}
