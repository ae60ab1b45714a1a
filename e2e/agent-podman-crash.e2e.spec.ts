import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@keelson/local-infra';
import { AgentStateStore, DataDirLayout } from '../services/agent/src/index.js';
import type { SwapFailpointName } from '../services/agent/src/runtime/swap-failpoint.js';
import { PodmanLab } from '../services/agent/src/test-fixtures/podman-lab.js';
import { enrollAgent, startAgentProcess, type AgentProcess } from './support/agent-process.js';
import { containerManifest, pushContainer } from './support/container-artifacts.js';
import { createGroup, createRollout, eventually, rolloutBody, waitForRollout, type ProbeSpec } from './support/operator.js';
import { containersOf, expectKilledAt, imageVersionsOf, podmanFlags, reportsInstalled } from './support/podman-agent.js';
import { startedTogether } from './support/started-together.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 13, item 4: a SIGKILL of the agent at any step of a container swap leaves exactly one version
// running after the restart. A real `keelson-agent run --podman` process kills itself at a chosen step
// (KEELSON_FAILPOINT, services/agent/src/runtime/swap-failpoint.ts); each update lands on what the
// one before left running, so every step meets an old container to keep or bring back.
interface Step {
  at: SwapFailpointName;
  version: string;
  outcome: 'healthy' | 'rolled_back';
  runs: string;
  /** The versions whose images the device keeps afterwards (pruned after each successful swap). */
  images: string[];
}
const steps: Step[] = [
  { at: 'loaded', version: '1.0.0', outcome: 'healthy', runs: '1.0.0', images: ['1.0.0'] }, // a first install: nothing ran before it
  { at: 'old-stopped', version: '2.0.0', outcome: 'healthy', runs: '2.0.0', images: ['1.0.0', '2.0.0'] },
  { at: 'new-started', version: '3.0.0', outcome: 'healthy', runs: '3.0.0', images: ['2.0.0', '3.0.0'] },
  { at: 'probing', version: '4.0.0', outcome: 'healthy', runs: '4.0.0', images: ['3.0.0', '4.0.0'] },
  { at: 'committed', version: '5.0.0', outcome: 'healthy', runs: '5.0.0', images: ['4.0.0', '5.0.0'] },
  // 6.0.0 exits at once: rolled back, and a rollback prunes nothing
  { at: 'restoring', version: '6.0.0', outcome: 'rolled_back', runs: '5.0.0', images: ['4.0.0', '5.0.0', '6.0.0'] },
];

describe('podman-steps: an agent SIGKILLed at each step of a container swap', () => {
  let platform: TestPlatform;
  let lab: PodmanLab;
  let port: number;
  let dataDir: string;
  let deviceId: string;
  let flags: string[];
  let agent: AgentProcess | undefined;
  const versionOfDigest = new Map<string, string>();
  /** Every version's image as an OCI archive and its manifest file, built once for the whole file. */
  const buildImages = async () => {
    const built: { version: string; tar: string; manifest: string }[] = [];
    for (const { version } of [...steps, { version: '7.0.0' }]) {
      const cmd = version === '6.0.0' ? ['false'] : ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'];
      const image = await lab.archive('web', version, cmd);
      versionOfDigest.set(image.digest, version);
      const manifest = containerManifest(join(lab.dir, `web-${version}.json`), 'apps/web', image.digest);
      built.push({ version, tar: image.tar, manifest });
    }
    return built;
  };

  beforeAll(async () => {
    lab = new PodmanLab();
    port = await freePort();
    // The images build while the platform starts: neither needs the other.
    let images: Awaited<ReturnType<typeof buildImages>> = [];
    await startedTogether(startTestPlatform(), buildImages(), (started, built) => {
      if (started) platform = started;
      images = built ?? [];
    });
    for (const { version, tar, manifest } of images) {
      const pushed = await pushContainer(platform, { tar, name: 'web', version, manifest }, '--json');
      expect([pushed.code, pushed.stderr]).toEqual([0, '']);
    }
    dataDir = mkdtempSync(join(platform.home, 'podman-device-'));
    deviceId = await enrollAgent(platform, dataDir, 'podman-01');
    await eventually('podman-01 listed', async () => ((await platform.api(`/v1/devices/${deviceId}`)).status === 200 ? true : undefined));
    expect(await createGroup(platform, 'podmen', ['podman-01'])).toMatchObject({ unresolvedNames: [] });
    flags = podmanFlags(lab);
  }, 300_000);
  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
    await platform?.destroy();
  }, 60_000);

  // CONTAINERS_CONF: no default ulimits (runc here, see TOOLCHAIN.md)
  const start = (extraEnv: NodeJS.ProcessEnv = {}) => startAgentProcess(dataDir, flags, { ...lab.device.env, ...extraEnv });
  const containers = () => containersOf(lab);
  const imageVersions = () => imageVersionsOf(lab, versionOfDigest);
  const probe: ProbeSpec = { kind: 'http', url: '', timeoutSeconds: 1, attempts: 4, initialDelaySeconds: 0 };

  it.each(steps)(
    'killed at container-$at while installing $version: after the restart only $runs runs, and journal, report and rollout agree',
    async ({ at, version, outcome, runs, images }) => {
      await agent?.stop();
      const failpoint = `container-${at}:1`;
      const armed = await start({ KEELSON_FAILPOINT: failpoint });
      agent = armed;
      const created = await createRollout(
        platform,
        rolloutBody(`web@${version}`, 'podmen', { ...probe, url: `http://127.0.0.1:${port}/health` }, [100]),
      );
      // Killed by the failpoint, not by anything else: its last line says where.
      await expectKilledAt(armed, failpoint);

      agent = await start();
      const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
      expect(done.devices).toEqual([expect.objectContaining({ deviceId, state: outcome })]);
      expect(await containers()).toEqual([`keelson-web ${runs} running`]);
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe(`web:${runs}\n`);
      // The journal holds the same outcome, the assignment done ...
      const journal = await new AgentStateStore(new DataDirLayout(dataDir).stateFile).load();
      const record = Object.values(journal.assignments).find((r) => r.assignment.rolloutId === created.rolloutId);
      expect(record).toMatchObject({ phase: 'done', outcome });
      // ... and what the device reports running is the container that runs.
      const reported = await reportsInstalled(platform, deviceId, 'podman-01', 'web', runs);
      expect(reported.filter((a) => a.name === 'web')).toEqual([expect.objectContaining({ version: runs })]);
      // Images: the running and the kept previous version's (pruning follows the report, hence the wait).
      let seen: string[] = [];
      await eventually(
        `images of ${images.join(', ')}`,
        async () => ((seen = await imageVersions()).join() === images.join() ? true : undefined),
        20_000,
      ).catch(() => undefined);
      expect(seen).toEqual(images);
    },
    240_000,
  );

  it('killed at container-new-started while an abort reverts 7.0.0 to 5.0.0: after the restart only 5.0.0 runs, and the revert is reported healthy', async () => {
    await agent?.stop();
    const failpoint = 'container-new-started:2'; // the install of 7.0.0 passes it first, the revert second
    const armed = await start({ KEELSON_FAILPOINT: failpoint });
    agent = armed;
    // The probe waits long enough for the abort to land while 7.0.0 is being probed.
    const created = await createRollout(
      platform,
      rolloutBody('web@7.0.0', 'podmen', { ...probe, url: `http://127.0.0.1:${port}/health`, initialDelaySeconds: 6 }, [100]),
    );
    await eventually('7.0.0 started', async () => ((await containers()).includes('keelson-web 7.0.0 running') ? true : undefined));
    const aborted = await platform.api<{ status: string }>(`/v1/rollouts/${created.rolloutId}/abort`, { body: { mode: 'revert' } });
    expect(aborted.body).toMatchObject({ status: 'aborted' });
    await expectKilledAt(armed, failpoint);

    agent = await start();
    const revertId = `${created.rolloutId}-${deviceId}-r`;
    await eventually(
      'the revert reported healthy',
      async () => {
        const { body } = await platform.api<{ assignments: { assignmentId: string; state?: string }[] }>(`/v1/devices/${deviceId}`);
        return body.assignments.some((a) => a.assignmentId === revertId && a.state === 'healthy') ? true : undefined;
      },
      120_000,
    );
    expect(await containers()).toEqual(['keelson-web 5.0.0 running']);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('web:5.0.0\n');
    const journal = await new AgentStateStore(new DataDirLayout(dataDir).stateFile).load();
    expect(journal.assignments[revertId]).toMatchObject({ phase: 'done', outcome: 'healthy' });
    await reportsInstalled(platform, deviceId, 'podman-01', 'web', '5.0.0');
    // 7.0.0 is now the version a revert would go back to: its image stays, 4.0.0's and 6.0.0's went.
    await eventually(
      'images of 5.0.0 and 7.0.0',
      async () => ((await imageVersions()).join() === '5.0.0,7.0.0' ? true : undefined),
      20_000,
    ).catch(() => undefined);
    expect(await imageVersions()).toEqual(['5.0.0', '7.0.0']);
  }, 240_000);
});
