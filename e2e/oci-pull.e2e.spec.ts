import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ociImage } from '../services/registry-facade/src/test-fixtures/oci-images.js';
import { deviceFetch } from './support/device-https.js';
import { auditOf, eventually } from './support/operator.js';
import { enrollSkopeoDevice, publishImage, skopeoPull, type SkopeoDevice as Device } from './support/skopeo-devices.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 13, item 3: devices pull the pinned images through the facade's OCI distribution API, by
// digest only, with their own certificate, and only what their fleet published.
describe('devices pull container images through the facade (skopeo, mutual TLS, whole platform)', () => {
  let platform: TestPlatform;
  let ours: Device;
  let theirs: Device;
  const web = ociImage('linux/amd64', [200_000, 3000]);
  const secret = ociImage('linux/amd64', [5000]);
  const oci = (device: Device | undefined, path: string, headers: Record<string, string> = {}) =>
    deviceFetch(platform, `${platform.facadeUrl}${path}`, { ...(device ? { as: device.dataDir } : {}), headers });
  const pull = (device: Device, name: string, digest: string) => skopeoPull(platform, device, name, digest);

  beforeAll(async () => {
    platform = await startTestPlatform();
    [ours, theirs] = [await enrollSkopeoDevice(platform, 'default', 'puller'), await enrollSkopeoDevice(platform, 'other', 'outsider')];
    await publishImage(platform, web, 'web', 'default');
    await publishImage(platform, secret, 'secret', 'other');
  }, 240_000);
  afterAll(async () => {
    await platform?.destroy();
  }, 60_000);

  it("pulls its fleet's image by digest with skopeo and the device certificate: the copy is that image, byte for byte", async () => {
    const pulled = await pull(ours, 'web', web.manifest.digest);
    expect(pulled).toMatchObject({ ok: true });
    const index = JSON.parse(readFileSync(join(pulled.layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string; mediaType: string }[];
    };
    expect(index.manifests.map((m) => [m.digest, m.mediaType])).toEqual([[web.manifest.digest, web.manifest.mediaType]]);
    for (const blob of [web.manifest, web.config, ...web.layers])
      expect(readFileSync(join(pulled.layout, 'blobs', 'sha256', blob.digest.slice(7))).equals(blob.bytes)).toBe(true);

    const manifest = await oci(ours, `/v2/web/manifests/${web.manifest.digest}`);
    expect([
      manifest.status,
      manifest.headers.get('content-type'),
      manifest.headers.get('docker-content-digest'),
      manifest.headers.get('content-length'),
    ]).toEqual([200, web.manifest.mediaType, web.manifest.digest, String(web.manifest.size)]);
    expect(Buffer.from(await manifest.arrayBuffer()).equals(web.manifest.bytes)).toBe(true);
    const head = await deviceFetch(platform, `${platform.facadeUrl}/v2/web/blobs/${web.layers[0]!.digest}`, {
      as: ours.dataDir,
      method: 'HEAD',
    });
    expect([head.status, head.headers.get('content-length'), head.headers.get('docker-content-digest'), await head.text()]).toEqual([
      200,
      String(web.layers[0]!.size),
      web.layers[0]!.digest,
      '',
    ]);
  }, 120_000);

  it('serves an image only under the name of the artifact it was published as: another name is a 404 in OCI form, skopeo pulls nothing', async () => {
    expect(await pull(ours, 'apps/web', web.manifest.digest)).toMatchObject({
      ok: false,
      stderr: expect.stringMatching(/manifest unknown/i),
    });
    const cases: [string, string][] = [
      [`/v2/apps/web/manifests/${web.manifest.digest}`, 'MANIFEST_UNKNOWN'], // the source repository is not the artifact's name
      [`/v2/secret/manifests/${web.manifest.digest}`, 'MANIFEST_UNKNOWN'],
      [`/v2/webb/blobs/${web.layers[0]!.digest}`, 'BLOB_UNKNOWN'],
      [`/v2/secret/blobs/${web.config.digest}`, 'BLOB_UNKNOWN'],
    ];
    for (const [path, code] of cases) {
      const res = await oci(ours, path);
      const body = (await res.json()) as { errors: { code: string }[] };
      expect([path, res.status, body.errors[0]!.code]).toEqual([path, 404, code]);
    }
    expect((await oci(ours, `/v2/web/blobs/${web.config.digest}`)).status).toBe(200);
  }, 120_000);

  it("refuses another fleet's device: skopeo gets no image, the answer is a 404 in OCI form, and the attempt is audited in its fleet", async () => {
    const since = new Date(Date.now() - 1_000).toISOString();
    const pulled = await pull(theirs, 'web', web.manifest.digest);
    expect(pulled).toMatchObject({ ok: false, stderr: expect.stringMatching(/manifest unknown/i) });
    const blob = await oci(theirs, `/v2/web/blobs/${web.layers[0]!.digest}`);
    expect([blob.status, await blob.json()]).toEqual([404, { errors: [{ code: 'BLOB_UNKNOWN', message: expect.any(String) }] }]);
    // Its own fleet's image it pulls; ours asks for it in vain.
    expect(await pull(theirs, 'secret', secret.manifest.digest)).toMatchObject({ ok: true });
    const reached = await oci(ours, `/v2/secret/manifests/${secret.manifest.digest}`);
    expect([reached.status, ((await reached.json()) as { errors: { code: string }[] }).errors[0]!.code]).toEqual([404, 'MANIFEST_UNKNOWN']);

    const refusals = await eventually(
      'the refused pulls in the audit log',
      async () => {
        const entries = (await auditOf(platform, `fleet=other&device=${theirs.deviceId}&since=${since}`)).filter((e) =>
          e.type.endsWith('.DeviceAccessRefused'),
        );
        return entries.length >= 2 ? entries : undefined;
      },
      20_000,
    );
    expect(refusals.map((e) => [e.data.fleet, e.data.reason, e.data.deviceId, e.data.requestedFleet, e.data.path]).sort()).toEqual([
      ['other', 'device.wrong-fleet', theirs.deviceId, undefined, `/v2/web/blobs/${web.layers[0]!.digest}`],
      ['other', 'device.wrong-fleet', theirs.deviceId, undefined, `/v2/web/manifests/${web.manifest.digest}`],
    ]);
    const ourRefusal = await eventually(
      'our device reaching for the other image, audited',
      async () => (await auditOf(platform, `device=${ours.deviceId}&since=${since}`)).find((e) => e.type.endsWith('.DeviceAccessRefused')),
      20_000,
    );
    expect(ourRefusal.data).toMatchObject({
      fleet: 'default',
      reason: 'device.wrong-fleet',
      path: `/v2/secret/manifests/${secret.manifest.digest}`,
    });
  }, 120_000);

  it('refuses a tampered digest, a tag and a client without a device certificate, each in OCI form', async () => {
    const tampered = `sha256:${web.manifest.digest.slice(7, 70)}${web.manifest.digest.endsWith('0') ? '1' : '0'}`;
    expect(await pull(ours, 'web', tampered)).toMatchObject({ ok: false, stderr: expect.stringMatching(/manifest unknown/i) });
    const cases: [Device | undefined, string, number, string][] = [
      [ours, `/v2/web/manifests/${tampered}`, 404, 'MANIFEST_UNKNOWN'],
      [ours, `/v2/web/blobs/sha256:${'0'.repeat(64)}`, 404, 'BLOB_UNKNOWN'],
      [ours, '/v2/web/manifests/1.0.0', 404, 'MANIFEST_UNKNOWN'],
      [ours, '/v2/web/blobs/sha256:zz', 400, 'DIGEST_INVALID'],
      [ours, '/v2/web/tags/list', 405, 'UNSUPPORTED'],
      [undefined, `/v2/web/manifests/${web.manifest.digest}`, 401, 'UNAUTHORIZED'],
      [undefined, '/v2/', 401, 'UNAUTHORIZED'],
    ];
    for (const [device, path, status, code] of cases) {
      const res = await oci(device, path);
      const body = (await res.json()) as { errors: { code: string; message: string }[] };
      expect([path, res.status, body.errors[0]!.code]).toEqual([path, status, code]);
    }
    const version = await oci(ours, '/v2/');
    expect([version.status, version.headers.get('docker-distribution-api-version'), await version.text()]).toEqual([
      200,
      'registry/2.0',
      '{}',
    ]);
  }, 60_000);

  it('answers Range requests on a layer with exactly those bytes (206), and 416 past its end', async () => {
    const layer = web.layers[0]!;
    const ranged = async (range: string) => {
      const res = await oci(ours, `/v2/web/blobs/${layer.digest}`, { range });
      return { status: res.status, contentRange: res.headers.get('content-range'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    expect(await ranged('bytes=1000-1999')).toEqual({
      status: 206,
      contentRange: `bytes 1000-1999/${layer.size}`,
      bytes: layer.bytes.subarray(1000, 2000),
    });
    expect(await ranged('bytes=150000-')).toEqual({
      status: 206,
      contentRange: `bytes 150000-${layer.size - 1}/${layer.size}`,
      bytes: layer.bytes.subarray(150000),
    });
    expect(await ranged(`bytes=${layer.size}-`)).toEqual({ status: 416, contentRange: `bytes */${layer.size}`, bytes: Buffer.alloc(0) });
    const whole = await oci(ours, `/v2/web/blobs/${layer.digest}`);
    expect([whole.status, whole.headers.get('docker-content-digest'), Buffer.from(await whole.arrayBuffer()).equals(layer.bytes)]).toEqual([
      200,
      layer.digest,
      true,
    ]);
  }, 60_000);
});
