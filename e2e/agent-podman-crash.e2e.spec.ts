import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { freePort } from '@keelson/local-infra';
import { AgentStateStore, DataDirLayout } from '../services/agent/src/index.js';
import { PodmanLab } from '../services/agent/src/test-fixtures/podman-lab.js';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { enrollAgent, startAgentProcess, type AgentProcess } from './support/agent-process.js';
import { createGroup, createRollout, eventually, rolloutBody, waitForRollout, type ProbeSpec } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 13, item 4: a `keelson-agent run --podman` process SIGKILLed in the middle of a container
// swap comes back to exactly one running version, and the rollout finishes.
describe('podman-runtime: an agent SIGKILLed while it swaps containers', () => {
  let platform: TestPlatform;
  let lab: PodmanLab;
  let port: number;

  beforeAll(async () => {
    platform = await startTestPlatform();
    lab = new PodmanLab();
    port = await freePort();
    const image = await lab.archive('web', '1', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www']);
    const manifest = join(lab.dir, 'web.json');
    writeFileSync(manifest, JSON.stringify({ kind: 'container', repository: 'apps/web', digest: image.digest }));
    const pushed = await keelson(platform.apiUrl, platform.adminToken, 'artifact', 'push', image.tar, '--kind', 'container', '--name', 'web', '--version', '1.0.0', '--manifest', manifest, '--json');
    expect([pushed.code, pushed.stderr]).toEqual([0, '']);
  }, 300_000);
  afterAll(async () => {
    await lab?.stop();
    await platform?.destroy();
  }, 60_000);

  it('killed while probing the new container: after the restart one container runs and the rollout succeeds', async () => {
    const dataDir = mkdtempSync(join(platform.home, 'podman-device-'));
    const deviceId = await enrollAgent(platform, dataDir, 'podman-01');
    const { root, runroot, storageDriver, runtime } = lab.device;
    const flags = ['--podman', '--podman-runtime', runtime!, '--podman-root', root!, '--podman-runroot', runroot!, '--podman-storage-driver', storageDriver!, '--container-run-option=--network=host'];
    const env = lab.device.env; // CONTAINERS_CONF: no default ulimits (runc here, see TOOLCHAIN.md)
    let agent: AgentProcess = await startAgentProcess(dataDir, flags, env);
    try {
      await eventually('podman-01 online', async () => {
        const { body } = await platform.api<{ items: { deviceId: string; reachable: boolean }[] }>('/v1/devices?limit=1000');
        return body.items.some((d) => d.deviceId === deviceId && d.reachable) ? true : undefined;
      });
      await createGroup(platform, 'podmen', ['podman-01']);
      const probe: ProbeSpec = { kind: 'http', url: `http://127.0.0.1:${port}/health`, timeoutSeconds: 2, attempts: 2, initialDelaySeconds: 4 };
      const created = await createRollout(platform, rolloutBody('web@1.0.0', 'podmen', probe, [100]));
      const journal = new AgentStateStore(new DataDirLayout(dataDir).stateFile);
      const running = async () => (await lab.devicePodman().run('ps', '--format', '{{.Names}} {{index .Labels "io.keelson.version"}}')).trim().split('\n').filter(Boolean);
      let seen = '';
      await eventually('the new container started and being probed', async () => {
        const records = Object.values((await journal.load()).assignments);
        seen = JSON.stringify(records.map((a) => [a.phase, a.containerStep, a.outcome, a.reason]));
        return records.some((a) => a.containerStep === 'swapping') && (await running()).length === 1 ? true : undefined;
      }, 60_000).catch((err: Error) => {
        throw new Error(`${err.message}; journal: ${seen}`);
      });
      await agent.kill();
      agent = await startAgentProcess(dataDir, flags, env);

      const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
      expect(done.devices).toEqual([expect.objectContaining({ deviceId, state: 'healthy' })]);
      expect(done.status).toBe('succeeded');
      expect(await running()).toEqual(['keelson-web 1.0.0']);
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('web:1\n');
    } finally {
      await agent.stop();
    }
  }, 240_000);
});
