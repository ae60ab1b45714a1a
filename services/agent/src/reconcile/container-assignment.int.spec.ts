import { jest } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { Assignment, Probe } from '@keelson/events';
import { freePort } from '@keelson/local-infra';
import { TestDeviceCa } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import type { DataDirLayout } from '../data-dir/layout.js';
import { AgentHalted, type ContainerSupport } from './reconcile-context.js';
import type { SwapFailpointName } from '../runtime/swap-failpoint.js';
import { pinnedImageOf } from '../runtime/pinned-image.js';
import { PodmanRuntime } from '../runtime/podman-runtime.js';
import { PodmanLab, type LabImage } from '../test-fixtures/podman-lab.js';
import { issuedBy, startFakeFacade, type FakeFacade } from '../test-fixtures/fake-facade.js';
import { assignmentOf, deviceId, enrolledDataDir, fleet, reconcileHarness, type Harness } from '../test-fixtures/reconcile-harness.js';

// The agent's reconcile loop with real podman (runc, vfs) pulling from a real registry: install,
// probe, roll back, and a kill at each step of a swap leaves exactly one version running.
jest.setTimeout(300_000);

const lab = new PodmanLab();
let port: number;
const images: Record<string, LabImage> = {};
let containers: ContainerSupport;
let probe: Probe;

beforeAll(async () => {
  await lab.startRegistry();
  port = await freePort();
  const serve = ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'];
  images['1'] = await lab.image('web', '1', serve);
  images['2'] = await lab.image('web', '2', ['false']); // exits at once: its probe fails
  images['3'] = await lab.image('web', '3', serve);
  images['other'] = await lab.image('other', '1', ['true']); // an image of the device's own
  containers = {
    runtime: new PodmanRuntime(lab.device),
    source: { registry: lab.registryAddress, insecure: true },
    runOptions: ['--network=host'],
  };
  probe = { kind: 'http', url: `http://127.0.0.1:${port}/health`, timeoutSeconds: 1, attempts: 3, initialDelaySeconds: 1 };
});
afterAll(() => lab.stop());

describe('podman-runtime: container assignments', () => {
  let repo: KeyedRepository;
  let facade: FakeFacade;
  let layout: DataDirLayout;
  let generation = 0;
  const publish = (version: string) => repo.publish(`container/web/${version}/manifest.json`, images[version]!.manifest);
  const assignment = (id: string, version: string) => assignmentOf(id, publish(version), 'install', probe);
  const harness = (onActivated?: (a: Assignment) => Promise<void>) =>
    reconcileHarness(layout, facade, { containers, ...(onActivated ? { onActivated } : {}) });
  const run = async (h: Harness, ...assignments: Assignment[]) => {
    await h.reconciler.accept({ deviceId, generation: ++generation, assignments });
    await h.reconciler.idle();
  };
  /** The versions of the containers podman runs now. */
  const running = async () =>
    (await lab.devicePodman().run('ps', '--format', '{{index .Labels "io.keelson.version"}}')).trim().split('\n').filter(Boolean);
  const served = async () => (await fetch(`http://127.0.0.1:${port}/health`)).text();

  beforeEach(async () => {
    repo = new KeyedRepository();
    const ca = await TestDeviceCa.create(fleet);
    facade = await startFakeFacade(fleet, repo, issuedBy(ca.certPem, fleet));
    layout = await enrolledDataDir(repo, facade, await ca.issue(deviceId));
    generation = 0;
  });
  afterEach(async () => {
    await lab.devicePodman().run('rm', '--all', '--force', '--time', '1');
    await facade.close();
    rmSync(layout.root, { recursive: true, force: true });
  });

  it('installs v1, rolls a v2 that exits at once back to v1, and v1 keeps serving', async () => {
    const h = await harness();
    await run(h, assignment('a1', '1'));
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a1', state: 'healthy' });
    await run(h, assignment('a2', '2'));
    expect(h.sent.at(-1)).toEqual({
      assignmentId: 'a2',
      state: 'rolled_back',
      reason: expect.stringMatching(/probe failed.*; back on \S+@1$/),
    });
    expect(await running()).toEqual(['1']);
    expect(await served()).toBe('web:1\n');
  });

  // Kills the agent (every later step throws) right after `step` is journalled, or while v3 is probed.
  const killDuringV3 = async (at: 'swapping' | 'probing' | 'committed') => {
    const first: Harness = await harness(async () => {
      if (at === 'probing' && generation === 2) first.crash();
    });
    await run(first, assignment('a1', '1'));
    const write = first.store.setPhase.bind(first.store);
    first.store.setPhase = async (id, fields, alongside) => {
      const state = await write(id, fields, alongside);
      if (fields.containerStep === at) first.crash();
      return state;
    };
    await run(first, assignment('a3', '3'));
    const second = await harness();
    await second.reconciler.recover();
    await second.reconciler.idle();
    return second;
  };

  it.each(['swapping', 'probing'] as const)(
    'killed at %s: after the restart exactly one version runs and the update completes',
    async (at) => {
      const h = await killDuringV3(at);
      expect(h.sent.at(-1)).toEqual({ assignmentId: 'a3', state: 'healthy' });
      expect(await running()).toEqual(['3']);
    },
  );

  it('killed after the probe passed (committed): the restart finishes the swap without probing again', async () => {
    const h = await killDuringV3('committed');
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'a3', state: 'healthy' });
    expect(await running()).toEqual(['3']);
    expect((await lab.devicePodman().run('ps', '--all', '--format', '{{.Names}}')).trim()).toBe('keelson-web');
  });

  // A revert killed once its container runs is e2e/agent-podman-crash's (a real SIGKILL); this is the
  // revert whose probe fails, killed while it brings the version it reverted from back.
  it('podman-steps: killed while a failed revert restores 3: after the restart the revert runs again and only 1 runs, reported healthy', async () => {
    const first: Harness = await harness();
    await run(first, assignment('b1', '1'));
    await run(first, assignment('b3', '3'));
    // Dies at the step, as KEELSON_FAILPOINT does to a real agent, after the revert's probe failed.
    const dying: Harness = await reconcileHarness(layout, facade, {
      containers: {
        ...containers,
        failpoint: (step: SwapFailpointName) => {
          if (step !== 'restoring') return;
          dying.crash();
          throw new AgentHalted(`killed at ${step}`);
        },
      },
      onActivated: async () => void (await lab.devicePodman().run('stop', '--time', '0', 'keelson-web')),
    });
    await run(dying, assignmentOf('b3r', publish('3'), 'revert', probe));
    const second = await harness();
    await second.reconciler.recover();
    await second.reconciler.idle();
    expect(second.sent.at(-1)).toEqual({ assignmentId: 'b3r', state: 'healthy' });
    expect(await running()).toEqual(['1']);
    expect(await served()).toBe('web:1\n');
  });

  it('podman-steps: after a successful swap removes the images no kept version needs, never one it did not pull', async () => {
    const podman = lab.devicePodman();
    await podman.run('rmi', '--all', '--force'); // what earlier tests pulled
    await podman.run('pull', '--quiet', '--tls-verify=false', images['other']!.reference);
    const idOf = (version: string) => pinnedImageOf(images[version]!.manifest, images[version]!.digest.slice(7)).configDigest.slice(7);
    const stored = async () =>
      new Set(
        (await podman.run('images', '--format', '{{.ID}}', '--no-trunc'))
          .trim()
          .split('\n')
          .map((id) => id.replace(/^sha256:/, '')),
      );
    const h = await harness();
    await run(h, assignment('p1', '1'));
    await run(h, assignment('p2', '2'));
    expect(h.sent.at(-1)).toMatchObject({ assignmentId: 'p2', state: 'rolled_back' });
    expect(await stored()).toEqual(new Set([idOf('1'), idOf('2'), idOf('other')])); // a rollback prunes nothing
    await run(h, assignment('p3', '3'));
    expect(h.sent.at(-1)).toEqual({ assignmentId: 'p3', state: 'healthy' });
    // 3 runs, 1 is what a rollback or revert would start; 2 is needed by no kept version.
    expect(await stored()).toEqual(new Set([idOf('3'), idOf('1'), idOf('other')]));
    expect(await running()).toEqual(['3']);
  });
});
