import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrollAgent, startAgentProcess, type AgentProcess } from './support/agent-process.js';
import { armOrchestrator } from './support/armed-orchestrator.js';
import { installAppends, openStreams, type PlatformStreams } from './support/event-streams.js';
import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import { AgentStateStore, DataDirLayout } from '../services/agent/src/index.js';
import {
  createGroup,
  createRollout,
  eventually,
  publishArtifact,
  rolloutBody,
  waitForRollout,
  type ProbeSpec,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 3, tests 4 and 5 (issue 16: the orchestrator killed at chosen steps): nothing is lost when an agent or the orchestrator is killed mid-rollout.
describe('crash recovery', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let streams: PlatformStreams;
  const scratch = mkdtempSync(join(tmpdir(), 'keelson-crash-'));

  beforeAll(async () => {
    platform = await startTestPlatform({ diagnosticsUser: true });
    streams = await openStreams(platform);
    fleet = await startFleetInGroup(platform, 'sims', { count: 6 });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await streams?.close();
    await platform?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  describe('the orchestrator SIGKILLed at a chosen step of a rollout', () => {
    // Six devices in waves of 10/70/100%: wave 0 is one device (the canary), wave 1 four, wave 2 one.
    const waves = [10, 70, 100];
    // The probe's delay keeps a wave's devices busy while the orchestrator is down.
    const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 2 };
    const bytesOf = (name: string) => Buffer.from(`${name} 1.0.0 ${'p'.repeat(10_000)}`);

    /** Where the rollout stands, from the streams: waves started, outcomes recorded, install appends per device. */
    async function standing(rolloutId: string) {
      const events = await streams.rolloutEvents(rolloutId);
      const appends: Record<string, number> = {};
      for (const d of fleet.devices) appends[d.deviceId] = installAppends(await streams.deviceEvents(d.deviceId), rolloutId);
      return {
        waves: events.flatMap((e) => (e.type === 'WaveStarted' ? [e.data.wave] : [])),
        outcomes: events.flatMap((e) => (e.type === 'DeviceOutcomeRecorded' ? [e.data.deviceId] : [])),
        appends,
        // a wave's devices: listed by a version-1 `WaveStarted`, since then by the `DevicesAssigned` chunks after it
        waveDevices: (wave: number) =>
          events.flatMap((e) =>
            (e.type === 'WaveStarted' || e.type === 'DevicesAssigned') && e.data.wave === wave ? (e.data.deviceIds ?? []) : [],
          ),
      };
    }
    const appendsFor = (assigned: string[]) =>
      Object.fromEntries(fleet.devices.map((d) => [d.deviceId, assigned.includes(d.deviceId) ? 1 : 0]));

    /**
     * Publishes <name>@1.0.0 (a name per test, so none waits on another's rollout) and rolls it out on
     * an orchestrator armed with KEELSON_FAILPOINT (rollouts/failpoint.ts); resolves once the
     * orchestrator SIGKILLed itself there, before any restart.
     */
    async function rolloutKilledAt(name: string, env: NodeJS.ProcessEnv & { KEELSON_FAILPOINT: string }) {
      await publishArtifact(platform, { name, version: '1.0.0', bytes: bytesOf(name) });
      // The armed process must count only this rollout's steps: a message the previous test's
      // killed process held comes back once its ack wait lapses, and would be counted too.
      await eventually('the orchestrator holding no message of an earlier test', async () =>
        (await streams.unsettledConsumers('orchestrator')).length ? undefined : true,
      );
      const armed = await armOrchestrator(platform, env);
      const created = await createRollout(platform, rolloutBody(`${name}@1.0.0`, 'sims', probe, waves));
      await armed.killedByFailpoint(90_000); // by a signal, and by the failpoint, not by something else
      const waveOf = (wave: number) => created.devices.filter((d) => d.wave === wave).map((d) => d.deviceId);
      expect([0, 1, 2].map((w) => waveOf(w).length)).toEqual([1, 4, 1]);
      return { rolloutId: created.rolloutId, wave0: waveOf(0), atKill: await standing(created.rolloutId) };
    }

    /** Restarts the orchestrator unarmed: the rollout succeeds, every device assigned once, every wave started once. */
    async function recovers(rolloutId: string, name: string) {
      await platform.restart('rollout-orchestrator');
      const done = await waitForRollout(platform, rolloutId, ['succeeded', 'failed', 'halted']);
      expect(done.status).toBe('succeeded');
      const after = await standing(rolloutId);
      expect(after.waves).toEqual([0, 1, 2]);
      expect([...after.outcomes].sort()).toEqual(fleet.devices.map((d) => d.deviceId).sort());
      expect(after.appends).toEqual(appendsFor(fleet.devices.map((d) => d.deviceId)));
      for (const device of fleet.devices) expect(readFileSync(device.activeFile(name, 'model.onnx'))).toEqual(bytesOf(name));
    }

    // Each kill comes after the canary (wave 0) finished, so no operator's answer is in flight.
    it('after wave 1 is assigned and before wave 2: the canary and wave 1 assigned at the kill, then each device once', async () => {
      const { rolloutId, wave0, atKill } = await rolloutKilledAt('between-waves', { KEELSON_FAILPOINT: 'assignment-answered:5' });
      const wave1 = atKill.waveDevices(1);
      expect(wave1).toHaveLength(4);
      expect(atKill).toMatchObject({ waves: [0, 1], outcomes: wave0, appends: appendsFor([...wave0, ...wave1]) });
      await recovers(rolloutId, 'between-waves');
    }, 240_000);

    it("in the middle of wave 1's assignments: two of its four assigned at the kill, then each device once", async () => {
      // One device per request, one request at a time, so the kill after the third answer leaves none in flight.
      const { rolloutId, wave0, atKill } = await rolloutKilledAt('mid-wave', {
        KEELSON_FAILPOINT: 'assignment-answered:3',
        KEELSON_ASSIGN_CONCURRENCY: '1',
        KEELSON_ASSIGN_BATCH: '1',
      });
      const wave1 = atKill.waveDevices(1);
      expect(wave1).toHaveLength(4);
      expect(atKill).toMatchObject({ waves: [0, 1], outcomes: wave0, appends: appendsFor([...wave0, ...wave1.slice(0, 2)]) });
      await recovers(rolloutId, 'mid-wave');
    }, 240_000);

    it("between recording the canary's outcome and assigning wave 1: wave 1 started, none of it assigned at the kill, then each device once", async () => {
      const { rolloutId, wave0, atKill } = await rolloutKilledAt('after-outcome', { KEELSON_FAILPOINT: 'outcome-recorded:1' });
      expect(atKill.waveDevices(1)).toHaveLength(4);
      expect(atKill).toMatchObject({ waves: [0, 1], outcomes: wave0, appends: appendsFor(wave0) });
      await recovers(rolloutId, 'after-outcome');
    }, 240_000);
  });

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
      // Steps are not stored (they go out live): the device's own journal says where it is.
      const journal = new AgentStateStore(new DataDirLayout(dataDir).stateFile);
      // The probe is not journalled on its own: swapped in (current links to 1.0.0) while the journal says applying.
      const current = join(dataDir, 'artifacts', 'mapper', 'current');
      await eventually('the agent probing the swapped-in update', async () => {
        const phases = Object.values((await journal.load()).assignments).map((a) => a.phase);
        const swapped = await readlink(current).then(
          (to) => to.endsWith('1.0.0'),
          () => false,
        );
        return phases.includes('applying') && swapped ? phases : undefined;
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
