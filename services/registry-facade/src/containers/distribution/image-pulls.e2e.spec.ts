import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceRequest, type DeviceAnswer } from '../../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../../test-fixtures/facade-app.js';
import { startGatewayResponder } from '../../test-fixtures/gateway-responder.js';
import { ociImage, writeOciLayout } from '../../test-fixtures/oci-images.js';
import { appendSigned } from '../../test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from '../../test-fixtures/uploads.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// The facade alone with its directory blob store (the platform e2e, e2e/oci-pull, runs the NATS
// object store): what "published by the fleet" means for a pull, and Range served from a file.
describe("OCI pulls of a fleet's images (whole facade, directory blob store, real NATS and PostgreSQL)", () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let cam: TestDeviceCertificate;
  let work: string;
  const image = ociImage('linux/amd64', [120_000]);
  const model = Buffer.from('weights of a model, not an image');
  const pull = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<DeviceAnswer> =>
    deviceRequest(`${facade.url}${path}`, { method, headers, ca: facade.ca!, agent: false, cert: cam.cert, key: cam.key });
  const manifestPath = `/v2/web/manifests/${image.manifest.digest}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keelson-image-pulls-'));
    facade = await startFacade({}, { tls: true });
    const ca = await TestDeviceCa.create(fleet);
    cam = await ca.issue('d-cam-1');
    gateway = startGatewayResponder(facade.nc, facade.naming, {
      cas: { [fleet]: [ca.certPem] },
      devices: { 'd-cam-1': { fleet, certificateFingerprint: cam.fingerprint } },
    });
    const tar = join(work, 'web.tar');
    const made = spawnSync(
      'skopeo',
      ['copy', '--quiet', `oci:${writeOciLayout(work, 'latest', [image]).path}:latest`, `oci-archive:${tar}:latest`],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`skopeo copy failed (apt-get install skopeo): ${made.stderr}`);
    const manifest = JSON.stringify({ kind: 'container', repository: 'apps/web', digest: image.manifest.digest });
    const pushed = await postUpload(
      facade,
      fleet,
      uploadForm({ name: 'web', version: '1.0.0', kind: 'container', manifest, bytes: readFileSync(tar), filename: 'web.tar' }),
    );
    expect([pushed.status, pushed.body.status]).toEqual([201, 'received']);
    expect((await postUpload(facade, fleet, uploadForm({ bytes: model }))).status).toBe(201);
  });
  afterAll(async () => {
    await gateway?.stop();
    await facade?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves nothing of an image that is received but not yet signed, nor a model by its digest', async () => {
    expect([(await pull(manifestPath)).status, (await pull(`/v2/web/blobs/${image.layers[0]!.digest}`)).status]).toEqual([404, 404]);
    const asBlob = await pull(`/v2/yolo/blobs/sha256:${sha(model)}`);
    expect([asBlob.status, asBlob.json<{ errors: { code: string }[] }>().errors[0]!.code]).toEqual([404, 'BLOB_UNKNOWN']);
  });

  it('serves the image once its fleet published it, and a layer by Range from the file', async () => {
    const signed = new KeyedRepository({ targets: { 'container/web/1.0.0/manifest.json': image.manifest.bytes } });
    await appendSigned(facade, fleet, signed);
    await eventually(async () => (await pull(manifestPath)).status === 200);
    const manifest = await pull(manifestPath);
    expect([
      manifest.headers['content-type'],
      manifest.headers['docker-content-digest'],
      manifest.body.equals(image.manifest.bytes),
    ]).toEqual([image.manifest.mediaType, image.manifest.digest, true]);
    const config = await pull(`/v2/web/blobs/${image.config.digest}`);
    expect([config.status, config.body.equals(image.config.bytes)]).toEqual([200, true]);

    const layer = image.layers[0]!;
    const part = await pull(`/v2/web/blobs/${layer.digest}`, { range: 'bytes=70000-70099' });
    expect([part.status, part.headers['content-range'], part.body.equals(layer.bytes.subarray(70_000, 70_100))]).toEqual([
      206,
      `bytes 70000-70099/${layer.size}`,
      true,
    ]);
    const head = await pull(`/v2/web/blobs/${layer.digest}`, { range: 'bytes=5-' }, 'HEAD');
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([206, String(layer.size - 5), 0]);
    expect((await pull(`/v2/web/blobs/${layer.digest}`, { range: `bytes=${layer.size + 10}-` })).status).toBe(416);
    expect((await pull(`/v2/yolo/blobs/sha256:${sha(model)}`)).status).toBe(404); // still no model through /v2
  });

  it("serves the published image only under its artifact's name, not under its source repository nor another name", async () => {
    await eventually(async () => (await pull(manifestPath)).status === 200);
    const refused = await Promise.all(
      [
        `/v2/apps/web/manifests/${image.manifest.digest}`,
        `/v2/yolo/manifests/${image.manifest.digest}`,
        `/v2/yolo/blobs/${image.config.digest}`,
      ].map((p) => pull(p)),
    );
    expect(refused.map((r) => [r.status, r.json<{ errors: { code: string }[] }>().errors[0]!.code])).toEqual([
      [404, 'MANIFEST_UNKNOWN'],
      [404, 'MANIFEST_UNKNOWN'],
      [404, 'BLOB_UNKNOWN'],
    ]);
  });
});
