import { createHash, randomBytes } from 'node:crypto';
import { RuleViolation } from '@keelson/domain-kit';
import { registry } from '@keelson/requests';
import type { ArtifactEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { artifactIdOf } from '../artifacts/artifact-id.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { appendSigned } from '../test-fixtures/signer-stream.js';
import { postUpload, uploadForm } from '../test-fixtures/uploads.js';

const fleet = 'plant-7';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('publishing on TargetsSigned and on a signed hash bin (whole facade, real NATS and PostgreSQL)', () => {
  let facade: FacadeApp;
  const eventsOf = async (name: string, version: string, of = fleet): Promise<ArtifactEvent[]> =>
    (await facade.artifacts.load(facade.artifacts.subject('artifact', of, artifactIdOf(name, version)))).events.map((r) => r.event);
  const resolve = (name: string, version: string) =>
    sendRequest(facade.nc, facade.naming, registry.resolveArtifact, { fleet, name, version });
  const uploaded = new Map<string, Buffer>();
  const upload = async (name: string, version: string, to = fleet) => {
    const bytes = randomBytes(2048);
    const { status, body } = await postUpload(facade, to, uploadForm({ name, version, bytes }));
    expect(status).toBe(201);
    uploaded.set(body.targetPath!, bytes);
    return { targetPath: body.targetPath!, sha256: sha(bytes), length: 2048 };
  };
  /** The uploaded bytes of `targets`, by target path: what the signer signs. */
  const bytesOf = (...targets: { targetPath: string }[]) =>
    Object.fromEntries(targets.map((t) => [t.targetPath, uploaded.get(t.targetPath)!]));
  // A flat repository per fleet (its signings are TargetsSigned), each signing appended as the signer appends it.
  const repos = new Map<string, KeyedRepository>();
  const sign = async (of: string, targets: Record<string, Buffer>) => {
    const repo = repos.get(of) ?? repos.set(of, new KeyedRepository()).get(of)!;
    repo.publishAll(targets);
    await appendSigned(facade, of, repo);
  };

  beforeAll(async () => {
    facade = await startFacade();
  });
  afterAll(() => facade.close());

  it('refuses to resolve an artifact before it is signed, then publishes it once targets list it', async () => {
    const target = await upload('yolo-v8n', '3.0.0');
    await eventually(() =>
      resolve('yolo-v8n', '3.0.0').then(
        () => false,
        (err: unknown) => err instanceof RuleViolation && err.code === 'artifact.not-published',
      ),
    );
    await sign(fleet, bytesOf(target)); // targets 2: the fleet's first targets, version 1, lists nothing
    await eventually(async () => (await eventsOf('yolo-v8n', '3.0.0')).length === 2);
    expect((await eventsOf('yolo-v8n', '3.0.0'))[1]).toEqual({
      type: 'ArtifactPublished',
      schemaVersion: 1,
      data: { fleet, artifactId: artifactIdOf('yolo-v8n', '3.0.0'), name: 'yolo-v8n', version: '3.0.0', ...target, targetsVersion: 2 },
    });
    await eventually(() =>
      resolve('yolo-v8n', '3.0.0').then(
        () => true,
        () => false,
      ),
    );
    await expect(resolve('yolo-v8n', '3.0.0')).resolves.toEqual({ name: 'yolo-v8n', version: '3.0.0', kind: 'model', ...target });
  });

  it('publishes once: a later targets version that lists the artifact again adds nothing', async () => {
    const target = await upload('yolo-v8n', '3.1.0');
    await sign(fleet, bytesOf(target));
    await eventually(async () => (await eventsOf('yolo-v8n', '3.1.0')).length === 2);
    const other = await upload('detr', '1.0.0');
    await sign(fleet, bytesOf(target, other));
    await eventually(async () => (await eventsOf('detr', '1.0.0')).length === 2); // the later event was handled
    expect((await eventsOf('yolo-v8n', '3.1.0')).map((e) => e.type)).toEqual(['ArtifactReceived', 'ArtifactPublished']);
  });

  it('rejects an artifact whose signed digest is not its blob, and still publishes the other targets of that event', async () => {
    const forged = await upload('forged', '1.0.0');
    const unknownPath = 'model/never-uploaded/1.0.0/x.onnx';
    const fine = await upload('fine', '1.0.0');
    await sign(fleet, {
      [forged.targetPath]: randomBytes(forged.length),
      [unknownPath]: Buffer.from('f'),
      'not/a/keelson-path': Buffer.from('f'),
      ...bytesOf(fine),
    });
    await eventually(async () => (await eventsOf('fine', '1.0.0')).length === 2);
    expect((await eventsOf('forged', '1.0.0')).map((e) => e.type)).toEqual(['ArtifactReceived', 'ArtifactRejected']);
    expect(await eventsOf('never-uploaded', '1.0.0')).toEqual([]);
    await eventually(() =>
      sendRequest(facade.nc, facade.naming, registry.getArtifact, { fleet, name: 'forged', version: '1.0.0' }).then(
        (v) => v.status === 'rejected',
        () => false,
      ),
    );
    await expect(resolve('forged', '1.0.0')).rejects.toMatchObject({ code: 'artifact.not-published' });
  });

  it("publishes an artifact signed into a hash bin, with the bin's version", async () => {
    const binned = 'plant-bins'; // a fleet of this test's own: its repository delegates to hash bins
    const target = await upload('binned', '1.0.0', binned);
    const repo = new KeyedRepository({ bins: 16 });
    repo.publishAll(bytesOf(target), { version: 7 }); // the bin at 7; snapshot and timestamp at 2
    await appendSigned(facade, binned, repo);
    await eventually(async () => (await eventsOf('binned', '1.0.0', binned)).length === 2);
    expect((await eventsOf('binned', '1.0.0', binned))[1]).toMatchObject({
      type: 'ArtifactPublished',
      data: { ...target, targetsVersion: 7 },
    });
  });

  it("does not publish another fleet's artifact of the same path", async () => {
    const target = await upload('fleet-bound', '1.0.0');
    await sign('plant-9', bytesOf(target));
    // A later signing, of plant-9's own artifact: once it is published, the one before was handled.
    const marker = await upload('fleet-marker', '1.0.0', 'plant-9');
    await sign('plant-9', bytesOf(marker));
    await eventually(async () => (await eventsOf('fleet-marker', '1.0.0', 'plant-9')).length === 2);
    expect((await eventsOf('fleet-bound', '1.0.0')).map((e) => e.type)).toEqual(['ArtifactReceived']);
  });

  it('lists artifacts newest first with cursor paging, and says not-found for an unknown one', async () => {
    const listed = 'plant-list'; // a fleet of this test's own: it lists exactly what it uploads
    const list = (input: { limit?: number; cursor?: string; name?: string } = {}) =>
      sendRequest(facade.nc, facade.naming, registry.listArtifacts, { fleet: listed, ...input });
    const uploads = [
      'yolo-v8n@3.0.0',
      'yolo-v8n@3.1.0',
      'detr@1.0.0',
      'segmenter@1.0.0',
      'tracker@1.0.0',
      'counter@1.0.0',
      'classifier@1.0.0',
    ];
    const targets: Awaited<ReturnType<typeof upload>>[] = [];
    for (const artifact of uploads) targets.push(await upload(artifact.split('@')[0]!, artifact.split('@')[1]!, listed));
    await sign(listed, bytesOf(...targets.slice(0, 2)));
    await eventually(async () => (await list({ name: 'yolo-v8n' })).items.filter((a) => a.status === 'published').length === 2);
    await eventually(async () => (await list()).items.length === 7);
    const first = await list({ limit: 5 });
    const rest = await list({ limit: 5, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((a) => `${a.name}@${a.version}`)).toEqual([
      'classifier@1.0.0',
      'counter@1.0.0',
      'tracker@1.0.0',
      'segmenter@1.0.0',
      'detr@1.0.0',
      'yolo-v8n@3.1.0',
      'yolo-v8n@3.0.0',
    ]);
    expect(rest.nextCursor).toBeUndefined();
    const yolo = await list({ name: 'yolo-v8n' });
    expect(yolo.items.map((a) => [a.version, a.status])).toEqual([
      ['3.1.0', 'published'],
      ['3.0.0', 'published'],
    ]);
    await expect(
      sendRequest(facade.nc, facade.naming, registry.getArtifact, { fleet: listed, name: 'nothing', version: '1.0.0' }),
    ).rejects.toMatchObject({
      code: 'artifact.not-found',
    });
  });
});
