import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceGet } from './test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from './test-fixtures/facade-app.js';
import { startGatewayResponder } from './test-fixtures/gateway-responder.js';
import { appendSigned } from './test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from './test-fixtures/uploads.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('device routes: TUF metadata and targets (whole facade, real NATS and PostgreSQL)', () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  const bytes = randomBytes(50_000);
  let targetUrl: string;
  let repo: KeyedRepository;
  let cam: TestDeviceCertificate;
  const get = (path: string, identity: TestDeviceCertificate | undefined = cam) => deviceGet(`${facade.url}${path}`, facade.ca!, identity);

  beforeAll(async () => {
    facade = await startFacade({}, { tls: true });
    const ca = await TestDeviceCa.create(fleet);
    cam = await ca.issue('d-cam-1');
    gateway = startGatewayResponder(facade.nc, facade.naming, {
      cas: { [fleet]: [ca.certPem] },
      devices: { 'd-cam-1': { fleet, certificateFingerprint: cam.fingerprint } },
    });
    const { body } = await postUpload(facade, fleet, uploadForm({ bytes, filename: 'model.onnx' }));
    targetUrl = `/v1/fleets/${fleet}/targets/model/yolo-v8n/2.1.0/${sha(bytes)}.model.onnx`;
    // Root, targets, snapshot and timestamp 1 (targets 1 lists the upload, so the facade also publishes
    // the artifact), then timestamp 2 naming the same snapshot.
    repo = new KeyedRepository({ targets: { [body.targetPath!]: bytes } });
    repo.renewTimestamp(86_400);
    await appendSigned(facade, fleet, repo);
    await eventually(async () => (await get(`/v1/fleets/${fleet}/tuf/timestamp.json`)).status === 200);
  });
  afterAll(async () => {
    await gateway.stop();
    await facade.close();
  });

  it('serves each metadata document exactly as the signer signed it, and the newest timestamp', async () => {
    for (const file of ['1.root.json', '1.snapshot.json', 'timestamp.json']) {
      const res = await get(`/v1/fleets/${fleet}/tuf/${file}`);
      expect([file, res.status, res.headers['content-type']]).toEqual([file, 200, expect.stringMatching(/^application\/json/)]);
      expect(res.body.toString('utf8')).toBe(repo.metadata.get(file)!.toString('utf8')); // for timestamp.json, timestamp 2
    }
    const targets = (await get(`/v1/fleets/${fleet}/tuf/1.targets.json`)).json<{
      signed: { targets: Record<string, { length: number }> };
    }>();
    expect(targets.signed.targets['model/yolo-v8n/2.1.0/model.onnx']?.length).toBe(bytes.length);
  });

  it('answers 404 for versions and names it does not have', async () => {
    for (const file of ['2.root.json', 'root.json', '9.targets.json', 'nonsense']) {
      const res = await get(`/v1/fleets/${fleet}/tuf/${file}`);
      expect([file, res.status, res.json().error.kind]).toEqual([file, 404, 'NotFound']);
    }
  });

  // Before any device got the target: nothing of it is kept yet (TargetBytes keeps only bytes that match the signed digest).
  it('serves bytes changed on disk as they are, not refusing them: the device is the one who verifies', async () => {
    const tampered = Buffer.from(bytes);
    tampered[0] = tampered[0]! ^ 0xff;
    writeFileSync(join(facade.dataDir, 'blobs', 'sha256', sha(bytes)), tampered);
    const res = await get(targetUrl);
    expect(res.status).toBe(200);
    expect(res.body.equals(tampered)).toBe(true);
    writeFileSync(join(facade.dataDir, 'blobs', 'sha256', sha(bytes)), bytes);
  });

  it('streams the target bytes with their length, only at the exact signed path and digest', async () => {
    const res = await get(targetUrl);
    expect([res.status, res.headers['content-length']]).toEqual([200, String(bytes.length)]);
    expect(res.body.equals(bytes)).toBe(true);
    expect((await deviceGet(`${facade.url}/metrics`, facade.ca!)).body.toString('utf8')).toMatch(
      new RegExp(`keelson_registry_target_bytes_total ${2 * bytes.length}\\b`),
    ); // this download and the one above
    for (const url of [
      targetUrl.replace(sha(bytes), 'ab'.repeat(32)),
      targetUrl.replace('model.onnx', 'other.onnx'),
      targetUrl.replace('2.1.0', '2.1.1'),
    ]) {
      expect([url, (await get(url)).status]).toEqual([url, 404]);
    }
  });

  it('once a device got the signed bytes, serves them from memory even if the file changes afterwards', async () => {
    expect((await get(targetUrl)).body.equals(bytes)).toBe(true);
    const tampered = Buffer.from(bytes);
    tampered[0] = tampered[0]! ^ 0xff;
    writeFileSync(join(facade.dataDir, 'blobs', 'sha256', sha(bytes)), tampered);
    try {
      const res = await get(targetUrl);
      expect([res.status, res.body.equals(bytes)]).toEqual([200, true]);
    } finally {
      writeFileSync(join(facade.dataDir, 'blobs', 'sha256', sha(bytes)), bytes);
    }
  });
});
