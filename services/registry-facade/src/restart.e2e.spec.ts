import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually, TestDeviceCa } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { deviceGet } from './test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from './test-fixtures/facade-app.js';
import { startGatewayResponder } from './test-fixtures/gateway-responder.js';
import { appendSigned } from './test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from './test-fixtures/uploads.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('a facade restart (whole facade, real NATS and PostgreSQL)', () => {
  let facade: FacadeApp;

  beforeAll(async () => {
    facade = await startFacade({}, { tls: true });
  });
  afterAll(() => facade.close());

  it('keeps blobs, artifacts and TUF metadata, removes a half-written upload, and goes on publishing', async () => {
    const bytes = randomBytes(30_000);
    const { body } = await postUpload(facade, fleet, uploadForm({ bytes }));
    const repo = new KeyedRepository({ targets: { [body.targetPath!]: bytes } });
    await appendSigned(facade, fleet, repo);
    const get = () => sendRequest(facade.nc, facade.naming, registry.getArtifact, { fleet, name: 'yolo-v8n', version: '2.1.0' });
    await eventually(() =>
      get().then(
        (a) => a.status === 'published',
        () => false,
      ),
    );
    const published = await get();
    const blobDir = join(facade.dataDir, 'blobs', 'sha256');
    writeFileSync(join(blobDir, '.tmp-deadbeefdeadbeef'), 'an upload the crash interrupted');

    await facade.restart();
    const ca = await TestDeviceCa.create(fleet);
    const cam = await ca.issue('d-cam-1');
    const gateway = startGatewayResponder(facade.nc, facade.naming, {
      cas: { [fleet]: [ca.certPem] },
      devices: { 'd-cam-1': { fleet, certificateFingerprint: cam.fingerprint } },
    });
    try {
      expect(readdirSync(blobDir)).toEqual([sha(bytes)]);
      expect(await get()).toEqual(published);
      const target = await deviceGet(
        `${facade.url}/v1/fleets/${fleet}/targets/${body.targetPath!.replace(/[^/]+$/, `${sha(bytes)}.model.onnx`)}`,
        facade.ca!,
        cam,
      );
      expect(target.body.equals(bytes)).toBe(true);
      expect((await deviceGet(`${facade.url}/v1/fleets/${fleet}/tuf/1.root.json`, facade.ca!, cam)).status).toBe(200);
      // Same name@version is still taken after the restart; a new version is taken and published.
      expect((await postUpload(facade, fleet, uploadForm({ bytes: randomBytes(10) }))).status).toBe(409);
      const next = randomBytes(1000);
      const second = await postUpload(facade, fleet, uploadForm({ version: '2.2.0', bytes: next }));
      repo.publish(second.body.targetPath!, next);
      await appendSigned(facade, fleet, repo);
      await eventually(() =>
        sendRequest(facade.nc, facade.naming, registry.resolveArtifact, { fleet, name: 'yolo-v8n', version: '2.2.0' }).then(
          () => true,
          () => false,
        ),
      );
      expect(existsSync(join(blobDir, sha(next)))).toBe(true);
    } finally {
      await gateway.stop();
    }
  });
});
