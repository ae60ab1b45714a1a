import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactIdOf } from '../artifacts/artifact-id.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { ociImage, writeOciLayout, type OciImage } from '../test-fixtures/oci-images.js';
import { postUpload, uploadForm } from '../test-fixtures/uploads.js';

const fleet = 'plant-7';

describe('artifact push --kind container of an OCI image layout tar (whole facade, skopeo-written archives)', () => {
  let facade: FacadeApp;
  let work: string;
  const stored = (digest: string) => join(facade.dataDir, 'blobs', 'sha256', digest.slice(7));
  const eventsOf = async (name: string) =>
    (await facade.artifacts.load(facade.artifacts.subject('artifact', fleet, artifactIdOf(name, '1.0.0')))).events;
  const manifestOf = (digest: string, platform?: string) =>
    JSON.stringify({ kind: 'container', repository: 'apps/web', digest, ...(platform ? { platform } : {}) });
  const push = (name: string, archive: Buffer, manifest: string) =>
    postUpload(facade, fleet, uploadForm({ name, version: '1.0.0', kind: 'container', manifest, bytes: archive, filename: 'web.tar' }));

  /** `skopeo copy --all oci:LAYOUT oci-archive:TAR`, as an operator would make the tar (or `podman save --format oci-archive`). */
  function archiveOf(images: OciImage[]): { bytes: Buffer; index?: string } {
    const layout = writeOciLayout(work, 'latest', images);
    const tar = join(work, `archive-${Math.random().toString(16).slice(2)}.tar`);
    const made = spawnSync('skopeo', ['copy', '--all', '--quiet', `oci:${layout.path}:latest`, `oci-archive:${tar}:latest`], {
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`skopeo copy failed: ${made.stderr}`);
    return { bytes: readFileSync(tar), ...(layout.index ? { index: layout.index.digest } : {}) };
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keelson-oci-archive-'));
    facade = await startFacade({ KEELSON_MAX_ARTIFACT_BYTES: '200000' });
  });
  afterAll(async () => {
    await facade?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('stores every blob of a single-image archive under its digest and pins the artifact to the image manifest', async () => {
    const image = ociImage('linux/amd64', [3000, 2000]);
    const { status, body } = await push('single', archiveOf([image]).bytes, manifestOf(image.manifest.digest));
    expect([status, body.error]).toEqual([201, undefined]);
    expect(body).toMatchObject({
      kind: 'container',
      sha256: image.manifest.digest.slice(7),
      length: image.manifest.size,
      targetPath: 'container/single/1.0.0/manifest.json',
      manifest: { kind: 'container', repository: 'apps/web', digest: image.manifest.digest, platform: 'linux/amd64' },
    });
    for (const blob of [image.manifest, image.config, ...image.layers])
      expect(readFileSync(stored(blob.digest)).equals(blob.bytes)).toBe(true);
    const arm = await push('single-arm', archiveOf([image]).bytes, manifestOf(image.manifest.digest, 'linux/arm64'));
    expect([arm.status, arm.body.error?.code]).toEqual([409, 'container.platform-not-found']);
  });

  it('picks the stated platform of a multi-platform archive stated by its index digest', async () => {
    const [amd64, arm64] = [ociImage('linux/amd64'), ociImage('linux/arm64')];
    const archive = archiveOf([amd64, arm64]);
    const { status, body } = await push('multi', archive.bytes, manifestOf(archive.index!, 'linux/arm64'));
    expect([status, body.manifest]).toEqual([
      201,
      { kind: 'container', repository: 'apps/web', digest: arm64.manifest.digest, platform: 'linux/arm64' },
    ]);
    const other = await push('multi-s390x', archive.bytes, manifestOf(archive.index!, 'linux/s390x'));
    expect([other.status, other.body.error?.code]).toEqual([409, 'container.platform-not-found']);
  });

  it('refuses an archive whose image is not the stated digest, and records nothing', async () => {
    const image = ociImage('linux/amd64');
    const { status, body } = await push('wrong-digest', archiveOf([image]).bytes, manifestOf(`sha256:${'0'.repeat(64)}`));
    expect([status, body.error?.code]).toEqual([409, 'container.digest-mismatch']);
    expect(await eventsOf('wrong-digest')).toEqual([]);
  });

  it('refuses an archive holding a blob whose bytes are not its name, keeping none of them', async () => {
    const image = ociImage('linux/amd64', [2500]);
    const layout = writeOciLayout(work, 'latest', [image]);
    const layer = image.layers[0]!;
    const tampered = Buffer.from(layer.bytes);
    tampered[20]! ^= 0xff;
    writeFileSync(join(layout.path, 'blobs', 'sha256', layer.digest.slice(7)), tampered);
    const tar = spawnSync('tar', ['-C', layout.path, '-cf', '-', '.'], { maxBuffer: 16 * 1024 * 1024 });
    const { status, body } = await push('tampered', tar.stdout, manifestOf(image.manifest.digest));
    expect([status, body.error?.code]).toEqual([409, 'container.digest-mismatch']);
    expect(existsSync(stored(layer.digest))).toBe(false);
    expect(await eventsOf('tampered')).toEqual([]);
  });

  it('refuses what is not an OCI layout tar and an archive past KEELSON_MAX_ARTIFACT_BYTES', async () => {
    const garbage = await push('garbage', Buffer.from('not a tar at all'), manifestOf(`sha256:${'1'.repeat(64)}`));
    expect([garbage.status, garbage.body.error?.code]).toEqual([409, 'container.bad-archive']);
    const big = ociImage('linux/amd64', [150_000, 100_000]);
    const tooBig = await push('too-big', archiveOf([big]).bytes, manifestOf(big.manifest.digest));
    expect([tooBig.status, tooBig.body.error?.code]).toEqual([409, 'container.too-large']);
    expect(await eventsOf('garbage')).toEqual([]);
    expect(await eventsOf('too-big')).toEqual([]);
  });
});
