import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { registry } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { artifactIdOf } from '../artifacts/artifact-id.js';
import { internalToken, startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { modelManifest, postUpload, uploadForm } from '../test-fixtures/uploads.js';

const fleet = 'plant-7';
const maxBytes = 100_000;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('POST /internal/v1/fleets/:fleet/artifacts (whole facade, real NATS and PostgreSQL)', () => {
  let facade: FacadeApp;
  const blobs = () => readdirSync(join(facade.dataDir, 'blobs', 'sha256')).sort();
  const eventsOf = async (name: string, version: string) =>
    (await facade.artifacts.load(facade.artifacts.subject('artifact', fleet, artifactIdOf(name, version)))).events.map((r) => r.event);
  /** The facade's count of uploads that ended in `outcome` (0 before the first). */
  const uploadsCounted = async (outcome: string) => {
    const metrics = await (await fetch(`${facade.url}/metrics`)).text();
    const line = new RegExp(`^keelson_registry_uploads_total\\{outcome="${outcome.replaceAll('.', '\\.')}"\\} (\\d+)$`, 'm').exec(metrics);
    return Number(line?.[1] ?? 0);
  };

  beforeAll(async () => {
    facade = await startFacade({ KEELSON_MAX_ARTIFACT_BYTES: String(maxBytes) });
  });
  afterAll(() => facade.close());

  it('streams the file into the blob store under its sha256, appends ArtifactReceived and answers 201 with the artifact', async () => {
    const bytes = randomBytes(90_000);
    const { status, body } = await postUpload(facade, fleet, uploadForm({ bytes, filename: 'yolo_v8n.onnx' }));
    expect(status).toBe(201);
    expect(body).toMatchObject({
      fleet,
      artifactId: artifactIdOf('yolo-v8n', '2.1.0'),
      name: 'yolo-v8n',
      version: '2.1.0',
      kind: 'model',
      status: 'received',
      sha256: sha(bytes),
      length: 90_000,
      targetPath: 'model/yolo-v8n/2.1.0/yolo_v8n.onnx',
      manifest: modelManifest,
    });
    expect(readFileSync(join(facade.dataDir, 'blobs', 'sha256', sha(bytes))).equals(bytes)).toBe(true);
    expect(blobs()).toEqual([sha(bytes)]); // no temp file left
    const [received, ...more] = await eventsOf('yolo-v8n', '2.1.0');
    expect(more).toEqual([]);
    expect(received).toMatchObject({
      type: 'ArtifactReceived',
      data: { sha256: sha(bytes), length: 90_000, targetPath: 'model/yolo-v8n/2.1.0/yolo_v8n.onnx' },
    });
    let view: registry.ArtifactView | undefined;
    await eventually(async () => {
      view = await sendRequest(facade.nc, facade.naming, registry.getArtifact, { fleet, name: 'yolo-v8n', version: '2.1.0' }).catch(
        () => undefined,
      );
      return view !== undefined;
    });
    expect(view).toEqual(body);
  });

  it('keeps identical bytes of two artifacts once, under their one digest', async () => {
    const bytes = randomBytes(3000);
    const first = await postUpload(facade, fleet, uploadForm({ name: 'twin-a', bytes }));
    const count = blobs().length;
    const second = await postUpload(facade, fleet, uploadForm({ name: 'twin-b', bytes, filename: 'other.onnx' }));
    expect([first.status, second.status, second.body.sha256, second.body.targetPath]).toEqual([
      201,
      201,
      sha(bytes),
      'model/twin-b/2.1.0/other.onnx',
    ]);
    expect(blobs()).toHaveLength(count);
  });

  it('refuses a second upload of the same name@version with 409 and stores none of its bytes', async () => {
    expect((await postUpload(facade, fleet, uploadForm({ name: 'once', bytes: randomBytes(1000) }))).status).toBe(201);
    const before = blobs();
    const refusedBefore = await uploadsCounted('artifact.exists');
    const { status, body } = await postUpload(facade, fleet, uploadForm({ name: 'once', bytes: randomBytes(1000) }));
    expect([status, body.error?.kind, body.error?.code]).toEqual([409, 'RuleViolation', 'artifact.exists']);
    expect(blobs()).toEqual(before);
    expect(await eventsOf('once', '2.1.0')).toHaveLength(1);
    expect(await uploadsCounted('artifact.exists')).toBe(refusedBefore + 1);
  });

  it('refuses a malformed manifest, bad fields and an unsafe file name with 400 and every issue, storing and appending nothing', async () => {
    const before = blobs();
    const cases = [
      [{ manifest: '{not json' }, [['manifest']]],
      [{ manifest: JSON.stringify({ ...modelManifest, framework: 'pytorch' }) }, [['manifest', 'framework']]],
      [{ kind: 'config' }, [['manifest', 'kind']]],
      [{ name: 'YOLO', version: '../1' }, [['name'], ['version']]],
      [{ manifest: undefined }, [['manifest']]],
      [{ filename: '.bashrc' }, [['file', 'filename']]],
      [{ filename: 'a b.onnx' }, [['file', 'filename']]],
    ] as const;
    for (const [parts, paths] of cases) {
      const { status, body } = await postUpload(facade, fleet, uploadForm({ version: '9.9.9', ...parts, bytes: randomBytes(500) }));
      expect([parts, status, body.error?.kind, body.error?.code]).toEqual([parts, 400, 'InvalidInput', 'upload.invalid']);
      expect([parts, body.error?.issues?.map((i) => i.path)]).toEqual([parts, paths]);
    }
    expect(blobs()).toEqual(before);
    expect(await eventsOf('yolo-v8n', '9.9.9')).toEqual([]);
  });

  it('takes a config without a manifest field, recording the plain config manifest', async () => {
    const { status, body } = await postUpload(
      facade,
      fleet,
      uploadForm({
        name: 'plain-config',
        kind: 'config',
        manifest: undefined,
        bytes: Buffer.from('{"threshold":0.4}'),
        filename: 'app.json',
      }),
    );
    expect([status, body.kind, body.manifest, body.targetPath]).toEqual([
      201,
      'config',
      { kind: 'config' },
      'config/plain-config/2.1.0/app.json',
    ]);
  });

  it('refuses a file part that comes before the fields', async () => {
    const form = new FormData();
    form.append('file', new Blob([randomBytes(100)]), 'model.onnx');
    for (const [k, v] of Object.entries({ name: 'early-file', version: '1.0.0', kind: 'model', manifest: JSON.stringify(modelManifest) }))
      form.append(k, v);
    const { status, body } = await postUpload(facade, fleet, form);
    expect([status, body.error?.code]).toEqual([400, 'upload.invalid']);
    expect(await eventsOf('early-file', '1.0.0')).toEqual([]);
  });

  it('answers 413 past KEELSON_MAX_ARTIFACT_BYTES and keeps nothing, not even a temp file', async () => {
    const before = blobs();
    const refusedBefore = await uploadsCounted('artifact.too-large');
    const { status, body } = await postUpload(facade, fleet, uploadForm({ name: 'too-big', bytes: randomBytes(maxBytes + 1) }));
    expect([status, body.error?.code]).toEqual([413, 'artifact.too-large']);
    expect(blobs()).toEqual(before);
    expect(await eventsOf('too-big', '2.1.0')).toEqual([]);
    // Exactly at the limit is fine.
    expect((await postUpload(facade, fleet, uploadForm({ name: 'just-fits', bytes: randomBytes(maxBytes) }))).status).toBe(201);
    expect(await uploadsCounted('artifact.too-large')).toBe(refusedBefore + 1);
  });

  it('answers 401 without the internal token, with a wrong one, and with one of another length', async () => {
    for (const token of ['', 'test-internal-token-0123456789abcdeX', 'short']) {
      const { status, body } = await postUpload(facade, fleet, uploadForm({ name: 'no-token' }), token);
      expect([token, status, body.error?.kind, body.error?.code]).toEqual([token, 401, 'Unauthorized', 'internal.unauthenticated']);
    }
    expect(await eventsOf('no-token', '2.1.0')).toEqual([]);
  });

  it('refuses a fleet that is not a subject token and a body that is not multipart', async () => {
    expect((await postUpload(facade, 'Plant_7', uploadForm({ name: 'bad-fleet' }))).status).toBe(400);
    const res = await fetch(`${facade.url}/internal/v1/fleets/${fleet}/artifacts`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-internal-token-0123456789abcdef', 'content-type': 'application/json' },
      body: '{}',
    });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([400, 'upload.not-multipart']);
  });

  it('lets exactly one of two simultaneous uploads of one name@version win', async () => {
    const results = await Promise.all(
      [1, 2].map(() => postUpload(facade, fleet, uploadForm({ name: 'raced', bytes: randomBytes(20_000) }))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await eventsOf('raced', '2.1.0')).toHaveLength(1);
  });

  it('removes the temp file of an upload whose client goes away half way, and records nothing', async () => {
    const before = blobs();
    const boundary = 'keelson-spec-boundary';
    const field = (name: string, value: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const head =
      ['name', 'version', 'kind'].map((k) => field(k, { name: 'walked-away', version: '1.0.0', kind: 'model' }[k]!)).join('') +
      field('manifest', JSON.stringify(modelManifest)) +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="model.onnx"\r\ncontent-type: application/octet-stream\r\n\r\n`;
    const req = request(`${facade.url}/internal/v1/fleets/${fleet}/artifacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${internalToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    req.on('error', () => undefined);
    req.write(head);
    req.write(randomBytes(40_000));
    await eventually(() => readdirSync(join(facade.dataDir, 'blobs', 'sha256')).some((f) => f.startsWith('.tmp-'))); // the upload is being written
    req.destroy();
    await eventually(() => blobs().join() === before.join());
    expect(await eventsOf('walked-away', '1.0.0')).toEqual([]);
  });
});
