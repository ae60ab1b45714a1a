import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import type { RunningDockerRegistry } from '../services/registry-facade/src/test-fixtures/docker-registry.js';
import { ociImage, pushLayout, writeOciLayout } from '../services/registry-facade/src/test-fixtures/oci-images.js';
import { containerManifest, podmanArchive, pushContainer, streamTexts } from './support/container-artifacts.js';
import { connectRegistry, startWithRegistry } from './support/docker-registries.js';
import { auditOf } from './support/operator.js';
import type { TestPlatform } from './support/test-platform.js';

// Issue 13, item 2: an operator publishes a container by tag from a registry it connected; the tag
// is pinned to a digest, the image copied into Keelson, and the signed TUF target names repository,
// digest and platform (never the credentials). Bad input is a clear error that publishes nothing.
const password = 'publish-tag-robot-secret-41d2';
const user = { username: 'ci-robot', password };

describe('artifact publish --from-registry, on the whole platform and a real docker-registry', () => {
  let platform: TestPlatform;
  let upstream: RunningDockerRegistry;
  let archive: { tar: string; digest: string };
  const amd64 = ociImage('linux/amd64', [3000]);
  const arm64 = ociImage('linux/arm64', [4000, 1000]);

  beforeAll(async () => {
    const caFile = await startWithRegistry(user, (p, u) => {
      platform = p;
      upstream = u;
    });
    const work = mkdtempSync(join(platform.home, 'oci-'));
    pushLayout(writeOciLayout(work, '1.4.2', [amd64, arm64]).path, '1.4.2', upstream.url, 'apps/web', user);
    rmSync(work, { recursive: true, force: true });
    const connected = await connectRegistry(platform, { name: 'harbor', url: upstream.url, username: user.username, caFile }, password);
    expect(connected.code).toBe(0);
    archive = await podmanArchive(platform.home);
  }, 240_000);
  afterAll(async () => {
    await upstream?.stop();
    await platform?.destroy();
  }, 60_000);

  const cli = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);

  it('pins linux/arm64 of a tag, waits for the signature, and signs a target naming repository, digest and platform', async () => {
    const run = await cli('artifact', 'publish', '--from-registry', 'harbor/apps/web:1.4.2', '--platform', 'linux/arm64', '--json');
    expect(run).toMatchObject({ code: 0 });
    const view = run.json();
    const pinned = { kind: 'container', repository: 'harbor/apps/web', digest: arm64.manifest.digest, platform: 'linux/arm64' };
    expect(view).toMatchObject({
      name: 'web',
      version: '1.4.2',
      kind: 'container',
      status: 'published',
      targetPath: 'container/web/1.4.2/manifest.json',
      manifest: pinned,
    });

    const targetPath = 'container/web/1.4.2/manifest.json';
    const signed = (await streamTexts(platform, 'EV_TUF'))
      .map((t) => JSON.parse(t) as { data?: { metadata?: { signed?: { targets?: Record<string, unknown> } } } })
      .map((e) => e.data?.metadata?.signed?.targets?.[targetPath])
      .filter(Boolean);
    expect(signed.at(-1)).toMatchObject({
      length: arm64.manifest.size,
      hashes: { sha256: arm64.manifest.digest.slice(7) },
      custom: { keelson: { manifest: pinned } },
    });

    const audit = (await auditOf(platform, '')).filter((e) => e.type.endsWith('ArtifactReceived'));
    expect(audit).toEqual([
      expect.objectContaining({ keelsonactor: 'operator:admin', data: expect.objectContaining({ name: 'web', manifest: pinned }) }),
    ]);
    for (const stream of ['EV_TUF', 'EV_ARTIFACTS']) expect((await streamTexts(platform, stream)).join('\n')).not.toContain(password);
  });

  it('pushes a podman-saved OCI archive with --kind container, refusing it under another digest, and signs it like a registry publish', async () => {
    const { tar, digest } = archive;
    const manifestFile = (d: string) => containerManifest(join(platform.home, `hello-${d.slice(7, 15)}.json`), 'localhost/hello', d);
    const wrong = await pushContainer(platform, {
      tar,
      name: 'hello',
      version: '0.9.0',
      manifest: manifestFile(`sha256:${'e'.repeat(64)}`),
    });
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining(`the image in the archive is not sha256:${'e'.repeat(64)}`) });
    const run = await pushContainer(platform, { tar, name: 'hello', version: '1.0.0', manifest: manifestFile(digest) }, '--json');
    expect(run).toMatchObject({ code: 0 });
    expect(run.json()).toMatchObject({
      status: 'published',
      sha256: digest.slice(7),
      targetPath: 'container/hello/1.0.0/manifest.json',
      manifest: { digest, platform: 'linux/amd64' },
    });
  });

  it('says what is wrong with a missing tag, a missing platform and an unknown connection, and publishes nothing', async () => {
    const cases: [string[], string][] = [
      [['--from-registry', 'harbor/apps/web:9.9.9'], 'does not exist'],
      [['--from-registry', 'harbor/apps/web:1.4.2', '--platform', 'linux/riscv64', '--name', 'web-riscv'], 'no manifest for linux/riscv64'],
      [['--from-registry', 'quay/apps/web:1.4.2', '--name', 'web-quay'], 'quay'],
      [['--from-registry', 'harbor/apps/web:1.4.2'], 'already exists'],
      [['--from-registry', 'harbor/Apps/web:1.4.2'], 'NAME/REPO:TAG'],
    ];
    for (const [args, message] of cases) {
      const run = await cli('artifact', 'publish', ...args);
      expect([args, run.code, run.stderr]).toEqual([args, 1, expect.stringContaining(message)]);
    }
    const listed = (await cli('artifact', 'list', '--json')).json().items as { name: string }[];
    expect(listed.map((a) => a.name).sort()).toEqual(['hello', 'web']);
  });

  it('podman-steps: refuses a container name or repository outside the OCI name grammar before anything is stored', async () => {
    const manifestFile = join(platform.home, 'bad-names.json');
    const pushAs = (name: string, repository: string) =>
      pushContainer(platform, {
        tar: archive.tar,
        name,
        version: '2.0.0',
        manifest: containerManifest(manifestFile, repository, archive.digest),
      });
    // Devices pull <facade>/<artifact name>@<digest>: a name podman would refuse is refused at publish.
    expect(await pushAs('hello-', 'localhost/hello')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('container name devices can pull'),
    });
    expect(await pushAs('hello', 'localhost//hello')).toMatchObject({ code: 1, stderr: expect.stringContaining('OCI repository name') });
    const published = await cli(
      'artifact',
      'publish',
      '--from-registry',
      'harbor/apps/web:1.4.2',
      '--name',
      'web..2',
      '--version',
      '2.0.0',
    );
    expect(published).toMatchObject({ code: 1, stderr: expect.stringContaining('container name devices can pull') });
    type Refusal = { error: { kind: string; issues?: { path: (string | number)[] }[] } };
    const answer = await platform.api<Refusal>('/v1/artifacts/from-registry', {
      body: { image: 'harbor/apps/web:1.4.2', name: 'web-', version: '2.0.0' },
    });
    expect([answer.status, answer.body.error.kind, answer.body.error.issues?.map((i) => i.path.join('.'))]).toEqual([
      400,
      'InvalidInput',
      ['name'],
    ]);
    const listed = (await cli('artifact', 'list', '--json')).json().items as { name: string; version: string }[];
    expect(listed.filter((a) => a.version === '2.0.0')).toEqual([]);
  });
});
