import { jest } from '@jest/globals';
import { freePort } from '@keelson/local-infra';
import { runProbe } from '../probes/run-probe.js';
import { PodmanLab, type LabImage } from '../test-fixtures/podman-lab.js';
import type { PinnedImage, PullSource } from './container-runtime.js';
import { containerNames, swapContainer, type ContainerSwapDeps, type SwapStep } from './container-swap.js';
import { ImageUnverified, pinnedImageOf, verifyImage } from './pinned-image.js';
import { PodmanRuntime } from './podman-runtime.js';
import { pruneImages } from './prune-images.js';

// Real podman (runc, vfs in a private root) and a real registry; images built here from busybox.
jest.setTimeout(240_000);

const lab = new PodmanLab();
const runtime = new PodmanRuntime(lab.device);
let port: number;
let healthy: LabImage; // v1: serves /health
let exits: LabImage; // v2: exits at once
let source: PullSource;
const pin = (image: LabImage): PinnedImage => pinnedImageOf(image.manifest, image.digest.slice('sha256:'.length));
const names = containerNames('web');

beforeAll(async () => {
  await lab.startRegistry();
  port = await freePort();
  healthy = await lab.image('web', '1', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www']);
  exits = await lab.image('web', '2', ['false']);
  source = { registry: lab.registryAddress, insecure: true };
});
afterAll(() => lab.stop());
afterEach(() => lab.devicePodman().run('rm', '--all', '--force', '--time', '1'));

function deps(journal: SwapStep[] = [], beforeProbe?: () => Promise<void>): ContainerSwapDeps {
  const probe = { kind: 'http' as const, url: `http://127.0.0.1:${port}/health`, timeoutSeconds: 1, attempts: 3, initialDelaySeconds: 0 };
  return {
    runtime,
    runOptions: ['--network=host'],
    journal: async (step) => void journal.push(step),
    probe: async () => {
      await beforeProbe?.();
      return runProbe(probe, { activePath: '/nonexistent', allowExec: new Set(), retryPauseMs: 300 });
    },
  };
}
const running = async () => (await lab.devicePodman().run('ps', '--format', '{{.Names}} {{.Labels}}')).trim().split('\n').filter(Boolean);

describe('podman-runtime', () => {
  it('pulls by digest and accepts only the image its TUF target pins', async () => {
    const imageId = await runtime.pull(source, 'web', pin(healthy));
    await expect(verifyImage(runtime, imageId, pin(healthy))).resolves.toBeUndefined();
    await expect(verifyImage(runtime, imageId, pin(exits))).rejects.toThrow(ImageUnverified);
    expect(() => pinnedImageOf(healthy.manifest, exits.digest.slice(7))).toThrow(/hashes to/);
  });

  it('runs v1, then rolls a v2 that exits at once back to v1, which keeps running', async () => {
    const steps: SwapStep[] = [];
    await expect(swapContainer(deps(steps), source, { artifact: 'web', version: '1', pin: pin(healthy) }, null)).resolves.toEqual({
      outcome: 'healthy',
    });
    expect(steps).toEqual(['swapping', 'committed']);
    const second = await swapContainer(deps(), source, { artifact: 'web', version: '2', pin: pin(exits) }, pin(healthy));
    expect(second).toMatchObject({ outcome: 'rolled_back', reason: expect.stringContaining('probe failed') });
    const ps = await running();
    expect(ps).toHaveLength(1);
    expect(ps[0]).toContain(names.current);
    expect(ps[0]).toContain('io.keelson.version:1');
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('web:1\n');
  });

  it('refuses to restart a kept previous container whose image is not the one it was installed from', async () => {
    await swapContainer(deps(), source, { artifact: 'web', version: '1', pin: pin(healthy) }, null);
    const podman = lab.devicePodman();
    // While v2 is probed, the kept v1 container is swapped for one that runs other bytes under v1's labels.
    const tamper = async () => {
      await podman.run('rm', '--force', names.previous);
      await podman.run(
        'create',
        '--name',
        names.previous,
        '--label',
        'io.keelson.version=1',
        '--label',
        `io.keelson.digest=${healthy.digest}`,
        exits.reference.replace(/:2$/, '') + `@${exits.digest}`,
      );
    };
    const outcome = await swapContainer(deps([], tamper), source, { artifact: 'web', version: '2', pin: pin(exits) }, pin(healthy));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('is not restarted') });
    expect(await running()).toEqual([]);
  });

  it('refuses an image whose pull did not bring the pinned bytes, and changes nothing', async () => {
    await swapContainer(deps(), source, { artifact: 'web', version: '1', pin: pin(healthy) }, null);
    const lying: PinnedImage = { digest: pin(healthy).digest, configDigest: pin(exits).configDigest };
    const outcome = await swapContainer(deps(), source, { artifact: 'web', version: '3', pin: lying }, pin(healthy));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('not the pinned image') });
    expect(await running()).toEqual([expect.stringContaining('io.keelson.version:1')]);
  });

  it('podman-steps: prunes only images it pulled for the artifact that no kept version and no container uses', async () => {
    const podman = lab.devicePodman();
    await podman.run('rmi', '--all', '--force');
    const [one, two] = [await runtime.pull(source, 'web', pin(healthy)), await runtime.pull(source, 'web', pin(exits))];
    await podman.run('tag', two, 'localhost/mine:2'); // a name of the operator's own: no longer the agent's alone
    await podman.run('create', '--name', 'in-use', one);
    expect(await pruneImages(runtime, source, 'other', [])).toEqual([]);
    expect(await pruneImages(runtime, source, 'web', [])).toEqual([]);
    await podman.run('rm', 'in-use');
    await podman.run('untag', two, 'localhost/mine:2');
    expect(await pruneImages(runtime, source, 'web', [pin(healthy)])).toEqual([two]);
    expect((await runtime.images()).map((i) => i.id)).toEqual([one]);
    expect(await pruneImages(runtime, source, 'web', [pin(healthy)])).toEqual([]);
  });
});
