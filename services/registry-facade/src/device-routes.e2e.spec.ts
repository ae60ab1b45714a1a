import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, startFacade, type FacadeApp } from './test-fixtures/facade-app.js';
import { startGatewayResponder } from './test-fixtures/gateway-responder.js';
import { appendTuf, metadataSigned, signedDocument, targetsSigned } from './test-fixtures/tuf-events.js';
import { postUpload, uploadForm } from './test-fixtures/uploads.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const basic = (deviceId: string, password: string) => `Basic ${Buffer.from(`${deviceId}:${password}`).toString('base64')}`;
const devices = { 'd-cam-1': { fleet, password: 'pw-cam-1-0123456789' }, 'd-far-1': { fleet: 'plant-9', password: 'pw-far-1-0123456789' } };
const cam = basic('d-cam-1', devices['d-cam-1'].password);

describe('device routes: TUF metadata and targets (whole facade, real NATS and PostgreSQL)', () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  const bytes = randomBytes(50_000);
  let targetUrl: string;
  const get = (path: string, authorization?: string) => fetch(`${facade.url}${path}`, { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    facade = await startFacade();
    gateway = startGatewayResponder(facade.nc, facade.naming, devices);
    const { body } = await postUpload(facade, fleet, uploadForm({ bytes, filename: 'model.onnx' }));
    targetUrl = `/v1/fleets/${fleet}/targets/model/yolo-v8n/2.1.0/${sha(bytes)}.model.onnx`;
    await appendTuf(facade, fleet,
      metadataSigned(fleet, 'root', 1),
      targetsSigned(fleet, 1, { [body.targetPath!]: { sha256: sha(bytes), length: bytes.length } }),
      metadataSigned(fleet, 'snapshot', 1),
      metadataSigned(fleet, 'timestamp', 1),
      metadataSigned(fleet, 'timestamp', 2, signedDocument('timestamp', 2, { meta: { 'snapshot.json': { version: 1 } } })),
    );
    await eventually(async () => (await get(`/v1/fleets/${fleet}/tuf/timestamp.json`, cam)).status === 200);
  });
  afterAll(async () => {
    await gateway.stop();
    await facade.close();
  });

  it('serves each metadata document exactly as the signer signed it, and the newest timestamp', async () => {
    for (const [file, document] of [
      ['1.root.json', signedDocument('root', 1)],
      ['1.snapshot.json', signedDocument('snapshot', 1)],
      ['timestamp.json', signedDocument('timestamp', 2, { meta: { 'snapshot.json': { version: 1 } } })],
    ] as const) {
      const res = await get(`/v1/fleets/${fleet}/tuf/${file}`, cam);
      expect([file, res.status, res.headers.get('content-type')]).toEqual([file, 200, expect.stringMatching(/^application\/json/)]);
      expect(await res.text()).toBe(JSON.stringify(document));
    }
    const targets = (await (await get(`/v1/fleets/${fleet}/tuf/1.targets.json`, cam)).json()) as { signed: { targets: Record<string, { length: number }> } };
    expect(targets.signed.targets['model/yolo-v8n/2.1.0/model.onnx']?.length).toBe(bytes.length);
  });

  it('answers 404 for versions and names it does not have', async () => {
    for (const file of ['2.root.json', 'root.json', '9.targets.json', 'nonsense']) {
      const res = await get(`/v1/fleets/${fleet}/tuf/${file}`, cam);
      expect([file, res.status, ((await res.json()) as { error: { kind: string } }).error.kind]).toEqual([file, 404, 'NotFound']);
    }
  });

  it('streams the target bytes with their length, only at the exact signed path and digest', async () => {
    const res = await get(targetUrl, cam);
    expect([res.status, res.headers.get('content-length')]).toEqual([200, String(bytes.length)]);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    expect(await (await fetch(`${facade.url}/metrics`)).text()).toMatch(new RegExp(`keelson_registry_target_bytes_total ${bytes.length}\\b`));
    for (const url of [targetUrl.replace(sha(bytes), 'ab'.repeat(32)), targetUrl.replace('model.onnx', 'other.onnx'), targetUrl.replace('2.1.0', '2.1.1')]) {
      expect([url, (await get(url, cam)).status]).toEqual([url, 404]);
    }
  });

  it('serves the bytes on disk as they are, without re-hashing: the device is the one who verifies', async () => {
    const tampered = Buffer.from(bytes);
    tampered[0] = tampered[0]! ^ 0xff;
    writeFileSync(join(facade.dataDir, 'blobs', 'sha256', sha(bytes)), tampered);
    const res = await get(targetUrl, cam);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(tampered)).toBe(true);
    writeFileSync(join(facade.dataDir, 'blobs', 'sha256', sha(bytes)), bytes);
  });

  it('answers 401 with a Basic challenge without credentials or with wrong ones, and 403 to another fleet\'s device', async () => {
    for (const authorization of [undefined, 'Bearer x', basic('d-cam-1', 'wrong-password'), basic('d-nobody', 'pw')]) {
      const res = await get(`/v1/fleets/${fleet}/tuf/timestamp.json`, authorization);
      const body = (await res.json()) as { error: { kind: string; code: string } };
      expect([authorization, res.status, body.error.code, res.headers.get('www-authenticate')]).toEqual([
        authorization, 401, 'device.unauthenticated', expect.stringMatching(/^Basic realm="keelson"/),
      ]);
    }
    const far = basic('d-far-1', devices['d-far-1'].password);
    for (const path of [`/v1/fleets/${fleet}/tuf/timestamp.json`, targetUrl]) {
      const res = await get(path, far);
      expect([path, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([path, 403, 'device.wrong-fleet']);
    }
  });

  it('remembers a successful check for a while, but never a failed one', async () => {
    await get(`/v1/fleets/${fleet}/tuf/timestamp.json`, cam); // remembered from here on
    const before = gateway.calls();
    for (let i = 0; i < 3; i++) expect((await get(`/v1/fleets/${fleet}/tuf/1.root.json`, cam)).status).toBe(200);
    expect(gateway.calls()).toBe(before);
    // The right device id with a wrong password is asked about every time, and refused every time.
    for (let i = 0; i < 2; i++) expect((await get(`/v1/fleets/${fleet}/tuf/1.root.json`, basic('d-cam-1', 'guess'))).status).toBe(401);
    expect(gateway.calls()).toBe(before + 2);
  });

  it('answers 503 when the gateway cannot be asked', async () => {
    await gateway.stop();
    const res = await get(`/v1/fleets/${fleet}/tuf/timestamp.json`, basic('d-cam-2', 'pw-not-cached'));
    expect([res.status, ((await res.json()) as { error: { kind: string } }).error.kind]).toEqual([503, 'Unavailable']);
    gateway = startGatewayResponder(facade.nc, facade.naming, devices);
  });
});
