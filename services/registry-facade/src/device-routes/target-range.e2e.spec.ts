import { createHash, randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { applyStreams, eventStreams } from '@keelson/event-store';
import { eventually, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceRequest } from '../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { startGatewayResponder, type GatewayKnowledge } from '../test-fixtures/gateway-responder.js';
import { appendSigned } from '../test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from '../test-fixtures/uploads.js';
import { wholeReadMaxBytes } from './target-bytes.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// Issue 13 item 6: a device whose download was cut off asks for the rest (`Range: bytes=N-`), on
// both blob stores, for a target served from memory and one streamed from the store.
describe.each(['directory', 'nats'] as const)('target ranges on the device path (%s blob store, whole facade on HTTPS)', (blobStore) => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let cam: TestDeviceCertificate;
  const knowledge: GatewayKnowledge = { cas: {}, devices: {} };
  const targets = { small: randomBytes(40_000), large: randomBytes(wholeReadMaxBytes + 300_000) };
  const urlOf = (name: 'small' | 'large') =>
    `${facade.url}/v1/fleets/${fleet}/targets/model/${name}/1.0.0/${sha(targets[name])}.model.onnx`;
  const ask = (name: 'small' | 'large', headers: Record<string, string>, method = 'GET') =>
    deviceRequest(urlOf(name), { method, headers, ca: facade.ca!, agent: false, cert: cam.cert, key: cam.key });

  beforeAll(async () => {
    facade = await startFacade({ KEELSON_BLOB_STORE: blobStore }, { tls: true });
    await applyStreams(await jetstreamManager(facade.nc), facade.naming, [eventStreams.gateway]);
    const ca = await TestDeviceCa.create(fleet);
    knowledge.cas = { [fleet]: [ca.certPem] };
    gateway = startGatewayResponder(facade.nc, facade.naming, knowledge);
    cam = await ca.issue('d-cam-1');
    knowledge.devices['d-cam-1'] = { fleet, certificateFingerprint: cam.fingerprint };
    const signed: Record<string, Buffer> = {};
    for (const [name, bytes] of Object.entries(targets)) {
      const { body } = await postUpload(facade, fleet, uploadForm({ name, version: '1.0.0', bytes, filename: 'model.onnx' }));
      signed[body.targetPath!] = bytes;
    }
    await appendSigned(facade, fleet, new KeyedRepository({ targets: signed }));
    await eventually(async () => (await ask('large', {})).status === 200);
  });
  afterAll(async () => {
    await gateway?.stop();
    await facade?.close();
  });

  it.each(['small', 'large'] as const)('answers the whole %s target with Accept-Ranges and its digest as a strong ETag', async (name) => {
    const res = await ask(name, {});
    expect([res.status, res.headers['accept-ranges'], res.headers.etag, res.body.equals(targets[name])]).toEqual([
      200,
      'bytes',
      `"${sha(targets[name])}"`,
      true,
    ]);
  });

  it.each(['small', 'large'] as const)(
    'answers the rest of the %s target from an offset, and a closed span, with 206 and Content-Range',
    async (name) => {
      const bytes = targets[name];
      const from = Math.floor(bytes.length * 0.4) + 3;
      const rest = await ask(name, { range: `bytes=${from}-`, 'if-range': `"${sha(bytes)}"` });
      expect([rest.status, rest.headers['content-range'], rest.headers['content-length']]).toEqual([
        206,
        `bytes ${from}-${bytes.length - 1}/${bytes.length}`,
        String(bytes.length - from),
      ]);
      expect(rest.body.equals(bytes.subarray(from))).toBe(true);
      const span = await ask(name, { range: 'bytes=1000-1999' });
      expect([span.status, span.headers['content-range'], span.body.equals(bytes.subarray(1000, 2000))]).toEqual([
        206,
        `bytes 1000-1999/${bytes.length}`,
        true,
      ]);
    },
  );

  it.each(['small', 'large'] as const)('answers a range past the end of the %s target 416 with its size, and no byte', async (name) => {
    const res = await ask(name, { range: `bytes=${targets[name].length}-` });
    expect([res.status, res.headers['content-range'], res.body.length]).toEqual([416, `bytes */${targets[name].length}`, 0]);
  });

  it('sends the whole target (200) when If-Range names other bytes, so two files are never spliced', async () => {
    const res = await ask('large', { range: 'bytes=100-', 'if-range': `"${sha(targets.small)}"` });
    expect([res.status, res.headers['content-range'], res.body.equals(targets.large)]).toEqual([200, undefined, true]);
  });

  it('answers HEAD with a Range as a whole HEAD: the length of the target and no body', async () => {
    const res = await ask('large', { range: 'bytes=100-' }, 'HEAD');
    expect([res.status, res.headers['content-length'], res.headers['accept-ranges'], res.body.length]).toEqual([
      200,
      String(targets.large.length),
      'bytes',
      0,
    ]);
  });
});
