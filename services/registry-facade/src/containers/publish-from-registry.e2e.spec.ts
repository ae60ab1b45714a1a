import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registry, type RequestContract, type RequestInput } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { artifactIdOf } from '../artifacts/artifact-id.js';
import { startDockerRegistry, type RunningDockerRegistry } from '../test-fixtures/docker-registry.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { ociImage, pushLayout, registryBlobPath, writeOciLayout, type OciImage } from '../test-fixtures/oci-images.js';

const fleet = 'plant-7';
const user = { username: 'ci-robot', password: 'publish-tag-secret-5b1e' };
const maxBytes = 300_000;
const ada = { kind: 'operator', id: 'ada' } as const;

describe('publish a container by tag from a connected registry (real docker-registry with htpasswd and TLS, skopeo, NATS, PostgreSQL)', () => {
  let facade: FacadeApp;
  let upstream: RunningDockerRegistry;
  let work: string;
  let amd64: OciImage;
  let arm64: OciImage;
  let single: OciImage;
  const call = <C extends RequestContract>(contract: C, input: RequestInput<C>) =>
    sendRequest(facade.nc, facade.naming, contract, input, { actor: ada, commandId: randomUUID(), correlationId: randomUUID() });
  const publish = (image: string, name: string, platform?: string) =>
    call(registry.publishFromRegistry, { fleet, image, name, version: '1.4.0', ...(platform ? { platform } : {}) });
  const stored = (digest: string) => join(facade.dataDir, 'blobs', 'sha256', digest.slice(7));
  const storedBlobs = () => readdirSync(join(facade.dataDir, 'blobs', 'sha256')).sort();
  const eventsOf = async (name: string) =>
    (await facade.artifacts.load(facade.artifacts.subject('artifact', fleet, artifactIdOf(name, '1.4.0')))).events;
  const push = (tag: string, repo: string, images: OciImage[]) =>
    pushLayout(writeOciLayout(work, tag, images).path, tag, upstream.url, repo, user);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keelson-publish-tag-'));
    [facade, upstream] = await Promise.all([
      startFacade({ KEELSON_REGISTRY_CREDENTIALS_SECRET: 'publish-tag spec secret', KEELSON_MAX_ARTIFACT_BYTES: String(maxBytes) }),
      startDockerRegistry({ kind: 'htpasswd', ...user }),
    ]);
    [amd64, arm64, single] = [ociImage('linux/amd64', [3000, 5000]), ociImage('linux/arm64/v8', [4000]), ociImage('linux/amd64')];
    push('1.4', 'apps/web', [amd64, arm64]);
    push('2', 'apps/tool', [single]);
    await call(registry.connectRegistry, { fleet, name: 'harbor', url: upstream.url, caPem: upstream.caPem, ...user });
  }, 60_000);
  afterAll(async () => {
    await upstream?.stop();
    await facade?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('pins the arm64 manifest of a multi-platform tag, copies manifest, config and layers, and records who did it', async () => {
    const view = await publish('harbor/apps/web:1.4', 'web', 'linux/arm64');
    expect(view).toMatchObject({
      kind: 'container',
      name: 'web',
      version: '1.4.0',
      status: 'received',
      targetPath: 'container/web/1.4.0/manifest.json',
      sha256: arm64.manifest.digest.slice(7),
      length: arm64.manifest.size,
      manifest: { kind: 'container', repository: 'harbor/apps/web', digest: arm64.manifest.digest, platform: 'linux/arm64/v8' },
    });
    for (const blob of [arm64.manifest, arm64.config, ...arm64.layers])
      expect(readFileSync(stored(blob.digest)).equals(blob.bytes)).toBe(true);
    for (const blob of amd64.layers) expect(existsSync(stored(blob.digest))).toBe(false); // only the platform asked for
    const [received] = await eventsOf('web');
    expect(received!.meta.actor).toEqual(ada);
    expect(JSON.stringify(received)).not.toContain(user.password);
  });

  it('resolves an index to linux/amd64 without --platform, and keeps its copy when the tag is deleted upstream', async () => {
    const view = await publish('harbor/apps/web:1.4', 'web-default');
    expect(view.manifest).toEqual({
      kind: 'container',
      repository: 'harbor/apps/web',
      digest: amd64.manifest.digest,
      platform: 'linux/amd64',
    });
    rmSync(join(upstream.dir, 'data'), { recursive: true, force: true }); // the upstream loses tag, manifests and blobs
    await expect(publish('harbor/apps/web:1.4', 'web-gone')).rejects.toMatchObject({ code: 'container.not-found' });
    for (const blob of [amd64.manifest, amd64.config, ...amd64.layers])
      expect(readFileSync(stored(blob.digest)).equals(blob.bytes)).toBe(true);
    push('1.4', 'apps/web', [amd64, arm64]);
    push('2', 'apps/tool', [single]);
  });

  it('pins a single-platform tag, and refuses it for another platform', async () => {
    const view = await publish('harbor/apps/tool:2', 'tool');
    expect(view.manifest).toEqual({
      kind: 'container',
      repository: 'harbor/apps/tool',
      digest: single.manifest.digest,
      platform: 'linux/amd64',
    });
    await expect(publish('harbor/apps/tool:2', 'tool-arm', 'linux/arm64')).rejects.toMatchObject({ code: 'container.platform-not-found' });
    expect(await eventsOf('tool-arm')).toEqual([]);
  });

  it('refuses, recording nothing: a missing tag, a missing platform, an unknown connection, a name@version taken', async () => {
    const cases: [string, string, string | undefined, string][] = [
      ['harbor/apps/web:9.9', 'no-tag', undefined, 'container.not-found'],
      ['harbor/apps/nothing:1', 'no-repo', undefined, 'container.not-found'],
      ['harbor/apps/web:1.4', 'no-platform', 'linux/s390x', 'container.platform-not-found'],
      ['gitlab/apps/web:1.4', 'no-connection', undefined, 'registry.not-found'],
      ['harbor/apps/web:1.4', 'web', undefined, 'artifact.exists'],
    ];
    for (const [image, name, platform, code] of cases) {
      await expect(
        publish(image, name, platform).catch((err: { code?: string; message: string }) => [err.code, err.message]),
      ).resolves.toEqual([code, expect.any(String)]);
      if (name !== 'web') expect(await eventsOf(name)).toEqual([]);
    }
    await expect(publish('harbor/apps/web:1.4', 'no-platform', 'linux/s390x')).rejects.toThrow(
      /no manifest for linux\/s390x \(it has: linux\/amd64, linux\/arm64\/v8\)/,
    );
  });

  it('refuses an image whose layer bytes the registry changed behind its digest, and keeps none of them', async () => {
    const image = ociImage('linux/amd64', [2500]);
    push('bad', 'apps/tampered', [image]);
    const layer = image.layers[0]!;
    const tampered = Buffer.from(layer.bytes);
    tampered[tampered.length - 10]! ^= 0xff;
    writeFileSync(registryBlobPath(upstream.dir, layer.digest), tampered);
    await expect(publish('harbor/apps/tampered:bad', 'tampered')).rejects.toMatchObject({ code: 'container.digest-mismatch' });
    expect(existsSync(stored(layer.digest))).toBe(false);
    expect(existsSync(stored(image.manifest.digest))).toBe(false);
    expect(await eventsOf('tampered')).toEqual([]);
  });

  it('refuses a platform manifest the registry changed behind the digest its index names', async () => {
    const [x86, arm] = [ociImage('linux/amd64'), ociImage('linux/arm64')];
    push('bad', 'apps/tampered-index', [x86, arm]);
    const changed = Buffer.from(arm.manifest.bytes.toString('utf8').replace('"schemaVersion":2', '"schemaVersion": 2'));
    writeFileSync(registryBlobPath(upstream.dir, arm.manifest.digest), changed);
    await expect(publish('harbor/apps/tampered-index:bad', 'tampered-index', 'linux/arm64')).rejects.toMatchObject({
      code: 'container.digest-mismatch',
    });
    expect(existsSync(stored(arm.config.digest))).toBe(false);
    expect(await eventsOf('tampered-index')).toEqual([]);
  });

  it('refuses an image larger than KEELSON_MAX_ARTIFACT_BYTES before fetching a layer', async () => {
    const big = ociImage('linux/amd64', [200_000, 150_000]);
    push('big', 'apps/big', [big]);
    const before = storedBlobs();
    await expect(publish('harbor/apps/big:big', 'big')).rejects.toMatchObject({ code: 'container.too-large' });
    expect(storedBlobs()).toEqual(before);
    expect(await eventsOf('big')).toEqual([]);
  });

  it('says the credentials are refused once the registry changed its password, and records nothing', async () => {
    const made = spawnSync('htpasswd', ['-Bbn', user.username, 'a-new-password-upstream'], { encoding: 'utf8' });
    writeFileSync(join(upstream.dir, 'htpasswd'), made.stdout); // distribution reads the file again when it changes
    await expect(publish('harbor/apps/web:1.4', 'refused')).rejects.toMatchObject({ code: 'registry.credentials-refused' });
    expect(await eventsOf('refused')).toEqual([]);
  });

  it('says the registry is unreachable when it is down, and records nothing', async () => {
    const down = await startDockerRegistry({ kind: 'none' });
    try {
      await call(registry.connectRegistry, { fleet, name: 'gone', url: down.url, caPem: down.caPem });
    } finally {
      await down.stop();
    }
    await expect(publish('gone/apps/web:1.4', 'unreachable')).rejects.toMatchObject({ code: 'registry.unreachable' });
    expect(await eventsOf('unreachable')).toEqual([]);
  });
});
