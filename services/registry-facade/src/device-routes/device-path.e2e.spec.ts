import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { applyStreams, eventStreams } from '@keelson/event-store';
import { eventually, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceGet, deviceRequest, keptAliveDevice } from '../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { startGatewayResponder, type GatewayKnowledge } from '../test-fixtures/gateway-responder.js';
import { appendSigned } from '../test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from '../test-fixtures/uploads.js';
import { wholeReadMaxBytes } from './target-bytes.js';

const [fleet, other] = ['plant-7', 'plant-9'];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// The device routes are answered on the HTTP server in front of express (DeviceRequestHandler):
// what a device may get, and how, must be what the Nest routes gave, every check included.
describe('the device path in front of express (whole facade on HTTPS, real NATS, PostgreSQL and TLS)', () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let ca: TestDeviceCa;
  let cam: TestDeviceCertificate;
  let farDevice: TestDeviceCertificate;
  const knowledge: GatewayKnowledge = { cas: {}, devices: {} };
  const small = randomBytes(40_000);
  const large = randomBytes(wholeReadMaxBytes + 300_000); // streamed, not read whole
  const urlOf = (bytes: Buffer, name: string) => `/v1/fleets/${fleet}/targets/model/${name}/1.0.0/${sha(bytes)}.model.onnx`;
  const timestampUrl = `/v1/fleets/${fleet}/tuf/timestamp.json`;
  const enrolled = async (deviceId: string, from = ca) => {
    const identity = await from.issue(deviceId);
    knowledge.devices[deviceId] = { fleet: from.fleet, certificateFingerprint: identity.fingerprint };
    return identity;
  };
  const get = (path: string, identity: TestDeviceCertificate | undefined = cam) => deviceGet(`${facade.url}${path}`, facade.ca!, identity);

  beforeAll(async () => {
    facade = await startFacade({}, { tls: true });
    await applyStreams(await jetstreamManager(facade.nc), facade.naming, [eventStreams.gateway]);
    ca = await TestDeviceCa.create(fleet);
    const farCa = await TestDeviceCa.create(other);
    knowledge.cas = { [fleet]: [ca.certPem], [other]: [farCa.certPem] };
    gateway = startGatewayResponder(facade.nc, facade.naming, knowledge);
    cam = await enrolled('d-cam-1');
    const targets: Record<string, Buffer> = {};
    for (const [name, bytes] of [
      ['small', small],
      ['large', large],
    ] as const) {
      const { body } = await postUpload(facade, fleet, uploadForm({ name, version: '1.0.0', bytes, filename: 'model.onnx' }));
      targets[body.targetPath!] = bytes;
    }
    await appendSigned(facade, fleet, new KeyedRepository({ targets }));
    await eventually(async () => (await get(timestampUrl)).status === 200);
    farDevice = await enrolled('d-far-1', farCa);
  });
  afterAll(async () => {
    await gateway?.stop();
    await facade?.close();
  });

  it('answers metadata with its length, JSON type and no-store, and a small and a large target whole with their lengths', async () => {
    const doc = await get(timestampUrl);
    expect([doc.status, doc.headers['content-type'], doc.headers['cache-control'], doc.headers['content-length']]).toEqual([
      200,
      'application/json; charset=utf-8',
      'no-store',
      String(doc.body.length),
    ]);
    for (const [bytes, name] of [
      [small, 'small'],
      [large, 'large'],
    ] as const) {
      const res = await get(urlOf(bytes, name));
      expect([name, res.status, res.headers['content-type'], res.headers['content-length'], sha(res.body)]).toEqual([
        name,
        200,
        'application/octet-stream',
        String(bytes.length),
        sha(bytes),
      ]);
    }
  });

  // The device's own digest check refuses changed bytes (TUF spec 5.7.3); the facade keeps only bytes that pass it.
  it('serves a small target changed on disk as it is, keeps none of it, and serves the restored bytes', async () => {
    const bytes = randomBytes(30_000);
    const { body } = await postUpload(facade, fleet, uploadForm({ name: 'tampered', version: '1.0.0', bytes, filename: 'model.onnx' }));
    expect(body.targetPath).toBe(`model/tampered/1.0.0/model.onnx`);
    const file = join(facade.dataDir, 'blobs', 'sha256', sha(bytes));
    const changed = Buffer.from(bytes);
    changed[0] = changed[0]! ^ 0xff;
    writeFileSync(file, changed);
    let res = await get(urlOf(bytes, 'tampered'));
    await eventually(async () => (res = await get(urlOf(bytes, 'tampered'))).status !== 404); // the upload's row is projected
    expect([res.status, res.body.equals(changed)]).toEqual([200, true]);
    writeFileSync(file, bytes);
    const restored = await get(urlOf(bytes, 'tampered'));
    expect([restored.status, restored.body.equals(bytes)]).toEqual([200, true]);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    for (const path of [timestampUrl, urlOf(large, 'large')]) {
      const [head, full] = [
        await deviceRequest(`${facade.url}${path}`, { method: 'HEAD', ca: facade.ca!, agent: false, cert: cam.cert, key: cam.key }),
        await get(path),
      ];
      expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(full.body.length), 0]);
    }
  });

  // A Range the facade does not understand is ignored (RFC 9110 §14.2); served ranges: target-range.e2e.spec.ts.
  it.each(['bytes=9-0', 'bytes=nonsense', 'lines=1-2', 'bytes=0-1,5-6'])('ignores Range %s: 200 with the whole target', async (range) => {
    const res = await deviceRequest(`${facade.url}${urlOf(small, 'small')}`, {
      ca: facade.ca!,
      agent: false,
      cert: cam.cert,
      key: cam.key,
      headers: { range },
    });
    expect([res.status, res.headers['content-length'], res.body.equals(small)]).toEqual([200, String(small.length), true]);
  });

  it('answers a path that escapes its segment, a made-up name or another digest 404, with the error body and no byte of a file', async () => {
    const target = urlOf(small, 'small');
    for (const path of [
      `/v1/fleets/${fleet}/tuf/..%2F..%2Fblobs%2Fsha256%2F${sha(small)}`,
      `/v1/fleets/${fleet}/tuf/%2e%2e%2f1.root.json`,
      `/v1/fleets/${fleet}/targets/model/small/1.0.0/..%2F..%2F..%2F..%2Fblobs%2Fsha256%2F${sha(small)}`,
      `/v1/fleets/${fleet}/targets/model/small/..%2F1.0.0/${sha(small)}.model.onnx`,
      target.replace('model.onnx', '..%2Fmodel.onnx'),
      target.replace(sha(small), sha(large)),
      `/v1/fleets/${fleet}/targets/model/small/1.0.0/${sha(small)}`,
      `/v1/fleets/${fleet}/tuf/../targets/model/small/1.0.0/${sha(small)}.model.onnx`,
    ]) {
      // The path exactly as written: a URL string would have its `..` segments resolved by the client.
      const res = await deviceRequest(facade.url, { path, ca: facade.ca!, agent: false, cert: cam.cert, key: cam.key });
      expect([path, res.status, res.json().error.kind, res.headers['content-type']]).toEqual([
        path,
        404,
        'NotFound',
        'application/json; charset=utf-8',
      ]);
    }
  });

  it('refuses a device of another fleet (403 device.wrong-fleet) and a request without a certificate (401) before looking at the path', async () => {
    for (const path of [urlOf(small, 'small'), timestampUrl, `/v1/fleets/${fleet}/tuf/nonsense`]) {
      const res = await get(path, farDevice);
      expect([path, res.status, res.json().error.code, res.body.includes(small.subarray(0, 64))]).toEqual([
        path,
        403,
        'device.wrong-fleet',
        false,
      ]);
      const anonymous = await deviceGet(`${facade.url}${path}`, facade.ca!);
      expect([path, anonymous.status, anonymous.json().error.code]).toEqual([path, 401, 'device.certificate-required']);
    }
  });

  it('leaves every other request to the Nest app: health, the upload route, and 404 for other methods', async () => {
    expect((await deviceGet(`${facade.url}/healthz`, facade.ca!)).status).toBe(200);
    const post = await deviceRequest(`${facade.url}${timestampUrl}`, {
      method: 'POST',
      ca: facade.ca!,
      agent: false,
      cert: cam.cert,
      key: cam.key,
    });
    expect([post.status, post.json().error.code]).toEqual([404, 'http.404']);
    expect((await deviceGet(`${facade.url}/internal/v1/fleets/${fleet}/artifacts`, facade.ca!)).status).toBe(404);
  });

  it('keeps an HTTP/1.1 connection alive across device requests, and a new connection resumes the TLS session', async () => {
    const device = keptAliveDevice(facade.ca!, cam);
    try {
      const [first, second] = [await device.get(`${facade.url}${timestampUrl}`), await device.get(`${facade.url}${urlOf(small, 'small')}`)];
      expect([first.status, second.status, first.headers.connection, second.socket]).toEqual([200, 200, 'keep-alive', first.socket]);
    } finally {
      device.close();
    }
    const agent = new Agent({ keepAlive: false, ca: facade.ca!, cert: cam.cert, key: cam.key });
    try {
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await deviceRequest(`${facade.url}${timestampUrl}`, { agent }));
      expect(answers.map((a) => [a.status, a.resumed])).toEqual([
        [200, false],
        [200, true],
        [200, true],
      ]);
    } finally {
      agent.destroy();
    }
  });

  // A resumed session carries the certificate of the first handshake: it is checked on every request all the same.
  it('refuses a decommissioned device on a resumed TLS session (401 device.decommissioned), with nothing served', async () => {
    const retired = await enrolled('d-retired');
    const agent = new Agent({ keepAlive: false, ca: facade.ca!, cert: retired.cert, key: retired.key });
    try {
      expect((await deviceRequest(`${facade.url}${urlOf(small, 'small')}`, { agent })).status).toBe(200);
      knowledge.devices['d-retired']!.status = 'decommissioned';
      let last = await deviceRequest(`${facade.url}${urlOf(small, 'small')}`, { agent });
      await eventually(async () => {
        const event = { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId: 'd-retired' } };
        await jetstream(facade.nc).publish(`${facade.naming.subjectPrefix}ev.device.${fleet}.d-retired`, JSON.stringify(event));
        last = await deviceRequest(`${facade.url}${urlOf(small, 'small')}`, { agent });
        return last.status !== 200;
      }, 8_000);
      expect([last.status, last.json().error.code, last.resumed, last.body.length < 1_000]).toEqual([
        401,
        'device.decommissioned',
        true,
        true,
      ]);
    } finally {
      agent.destroy();
    }
  });
});
