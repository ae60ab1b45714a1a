import { createHash, randomBytes } from 'node:crypto';
import { registry } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually, TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { artifactIdOf } from '../artifacts/artifact-id.js';
import { deviceGet } from '../test-fixtures/device-tls.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { startGatewayResponder } from '../test-fixtures/gateway-responder.js';
import { appendSigned } from '../test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from '../test-fixtures/uploads.js';
import { DeliverableTargets } from './deliverable-targets.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('targets: a published artifact is remembered, a received one asked each time (whole facade, real NATS and PostgreSQL)', () => {
  let facade: FacadeApp;
  let gateway: ReturnType<typeof startGatewayResponder>;
  let cam: TestDeviceCertificate;
  const upload = async (name: string) => {
    const bytes = randomBytes(4096);
    const { body } = await postUpload(facade, fleet, uploadForm({ name, version: '1.0.0', bytes, filename: 'model.onnx' }));
    return {
      targetPath: body.targetPath!,
      bytes,
      url: `/v1/fleets/${fleet}/targets/model/${name}/1.0.0/${sha(bytes)}.model.onnx`,
    };
  };
  const statusOf = async (url: string) => (await deviceGet(`${facade.url}${url}`, facade.ca!, cam)).status;
  const lastEventOf = async (name: string) =>
    (await facade.artifacts.load(facade.artifacts.subject('artifact', fleet, artifactIdOf(name, '1.0.0')))).events.at(-1)?.event.type;

  beforeAll(async () => {
    facade = await startFacade({}, { tls: true });
    const ca = await TestDeviceCa.create(fleet);
    cam = await ca.issue('d-cam-1');
    gateway = startGatewayResponder(facade.nc, facade.naming, {
      cas: { [fleet]: [ca.certPem] },
      devices: { 'd-cam-1': { fleet, certificateFingerprint: cam.fingerprint } },
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await facade.close();
  });

  it('refuses a target once its artifact is rejected, though it was downloaded while received', async () => {
    const published = await upload('published');
    const forged = await upload('forged');
    await eventually(async () => (await statusOf(forged.url)) === 200); // received (once projected): deliverable, not remembered
    const signed = new KeyedRepository({
      targets: {
        [published.targetPath]: published.bytes,
        [forged.targetPath]: randomBytes(forged.bytes.length), // signed with another digest: rejected
      },
    });
    await appendSigned(facade, fleet, signed);
    await eventually(
      async () => (await lastEventOf('published')) === 'ArtifactPublished' && (await lastEventOf('forged')) === 'ArtifactRejected',
    );
    // The read model says rejected: the very next download is refused.
    await eventually(() =>
      sendRequest(facade.nc, facade.naming, registry.getArtifact, { fleet, name: 'forged', version: '1.0.0' }).then(
        (v) => v.status === 'rejected',
      ),
    );
    expect(await statusOf(forged.url)).toBe(404);
    expect(await statusOf(published.url)).toBe(200);
    expect(facade.app.get(DeliverableTargets).size).toBe(1); // the published one only
    expect(await statusOf(published.url)).toBe(200);
  });
});
