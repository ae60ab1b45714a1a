import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBlobStore } from '../blobs/nats-blob-store.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { ociImage, writeOciLayout } from '../test-fixtures/oci-images.js';
import { postUpload, uploadForm } from '../test-fixtures/uploads.js';

const fleet = 'plant-7';

// The default store of an installation: what the directory-store specs prove must hold in the NATS object store too.
describe('a container pushed into the NATS object store (KEELSON_BLOB_STORE=nats)', () => {
  let facade: FacadeApp;
  let work: string;
  let store: NatsBlobStore;
  const push = (name: string, archive: Buffer, digest: string) =>
    postUpload(
      facade,
      fleet,
      uploadForm({
        name,
        version: '1.0.0',
        kind: 'container',
        manifest: JSON.stringify({ kind: 'container', repository: 'apps/web', digest }),
        bytes: archive,
        filename: 'web.tar',
      }),
    );
  const tarOf = (path: string) => spawnSync('tar', ['-C', path, '-cf', '-', '.'], { maxBuffer: 16 * 1024 * 1024 }).stdout;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keelson-oci-nats-'));
    facade = await startFacade({ KEELSON_BLOB_STORE: 'nats' });
    store = new NatsBlobStore(facade.nc, { bucket: `${facade.naming.streamPrefix}KEELSON_BLOBS`, replicas: 1 });
    await store.open();
  });
  afterAll(async () => {
    await facade?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps manifest, config and layers as objects named by their sha256, and none of a tampered layer', async () => {
    const image = ociImage('linux/amd64', [40_000, 3000]);
    const { status, body } = await push('web', tarOf(writeOciLayout(work, 'latest', [image]).path), image.manifest.digest);
    expect([status, body.sha256]).toEqual([201, image.manifest.digest.slice(7)]);
    for (const blob of [image.manifest, image.config, ...image.layers]) {
      expect((await (await store.openBlob(blob.digest.slice(7)))!.readAll()).equals(blob.bytes)).toBe(true);
    }

    const other = ociImage('linux/amd64', [5000]);
    const layout = writeOciLayout(work, 'latest', [other]);
    const layer = other.layers[0]!;
    writeFileSync(join(layout.path, 'blobs', 'sha256', layer.digest.slice(7)), Buffer.concat([layer.bytes, Buffer.from('!')]));
    const refused = await push('tampered', tarOf(layout.path), other.manifest.digest);
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'container.digest-mismatch']);
    expect(await store.sizeOf(layer.digest.slice(7))).toBeNull();
  });
});
