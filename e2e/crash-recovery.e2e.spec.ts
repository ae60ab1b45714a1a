import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrollAgent, startAgentProcess, type AgentProcess } from './support/agent-process.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, createRollout, eventually, getRollout, publishArtifact, rolloutBody, waitForRollout, type ProbeSpec } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 3, tests 4 and 5: nothing is lost when an agent or the orchestrator is killed mid-rollout.
describe('crash recovery', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const scratch = mkdtempSync(join(tmpdir(), 'keelson-crash-'));

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 6 });
    await createGroup(platform, 'sims', fleet.devices.map((d) => d.name));
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('continues a rollout from its stream after the orchestrator is killed, assigning no device twice', async () => {
    const bytes = Buffer.from(`planner 3.0.0 ${'p'.repeat(10_000)}`);
    await publishArtifact(platform, { name: 'planner', version: '3.0.0', bytes });
    // A probe delay keeps the waves in flight while the orchestrator is down.
    const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 2 };
    const created = await createRollout(platform, rolloutBody('planner@3.0.0', 'sims', probe, [20, 60, 100]));
    await platform.services['rollout-orchestrator']!.kill();
    await new Promise((r) => setTimeout(r, 3_000));
    await platform.restart('rollout-orchestrator');

    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect(done.status).toBe('succeeded');
    for (const device of fleet.devices) {
      expect(readFileSync(device.activeFile('planner', 'model.onnx'))).toEqual(bytes);
      const changes = (await auditOf(platform, `device=${device.deviceId}`)).filter(
        (e) => e.type.endsWith('DesiredStateChanged') && JSON.stringify(e.data).includes(`"${created.rolloutId}-${device.deviceId}"`),
      );
      expect({ device: device.name, assigned: changes.length }).toEqual({ device: device.name, assigned: 1 });
    }
  }, 180_000);

  it('recovers an agent SIGKILLed in the middle of an update, and the rollout finishes', async () => {
    const ready = join(scratch, 'ready');
    writeFileSync(ready, 'ok');
    const dataDir = join(scratch, 'edge-01');
    const deviceId = await enrollAgent(platform, dataDir, 'edge-01');
    let agent: AgentProcess = await startAgentProcess(dataDir);
    try {
      await eventually('edge-01 listed and online', async () => {
        const { body } = await platform.api<{ items: { deviceId: string; reachable: boolean }[] }>('/v1/devices?limit=1000');
        return body.items.some((d) => d.deviceId === deviceId && d.reachable) ? true : undefined;
      });
      await createGroup(platform, 'edge', ['edge-01']);
      const bytes = Buffer.from(`mapper 1.0.0 ${'m'.repeat(10_000)}`);
      await publishArtifact(platform, { name: 'mapper', version: '1.0.0', bytes });
      const probe: ProbeSpec = { kind: 'file', path: ready, timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 3 };
      const created = await createRollout(platform, rolloutBody('mapper@1.0.0', 'edge', probe, [100]));
      await eventually('the agent applying the update', async () => {
        const state = (await getRollout(platform, created.rolloutId)).devices[0]?.state;
        return state === 'applying' ? state : undefined;
      });
      await agent.kill();
      agent = await startAgentProcess(dataDir);

      const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
      expect(done.status).toBe('succeeded');
      expect(done.devices).toEqual([expect.objectContaining({ deviceId, state: 'healthy' })]);
      expect(readFileSync(join(dataDir, 'artifacts', 'mapper', 'current', 'model.onnx'))).toEqual(bytes);
    } finally {
      await agent.stop();
    }
  }, 180_000);
});
