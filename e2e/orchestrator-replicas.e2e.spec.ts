import { readFileSync } from 'node:fs';
import type { RunningService } from '@keelson/local-infra';
import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import {
  auditOf,
  createRollout,
  eventually,
  getRollout,
  publishArtifact,
  rolloutBody,
  waitForRollout,
  type ProbeSpec,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 5: two replicas of the orchestrator share the work and never assign a device twice; killing
// either one mid-rollout changes nothing about the outcome.
describe('two orchestrator replicas', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let replica: RunningService | undefined;
  // A probe delay keeps each wave in flight long enough for the kill to land mid-rollout.
  const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 2 };

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleetInGroup(platform, 'pair', { count: 6 });
  }, 240_000);

  afterAll(async () => {
    await replica?.stop();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  /** Every device holds `bytes` and got exactly one install assignment of the rollout. */
  async function eachDeviceOnceOn(rolloutId: string, artifact: string, bytes: Buffer): Promise<void> {
    for (const device of fleet.devices) {
      expect(readFileSync(device.activeFile(artifact, 'model.onnx'))).toEqual(bytes);
      const assigned = (await auditOf(platform, `device=${device.deviceId}`)).filter(
        (e) => e.type.endsWith('DesiredStateChanged') && JSON.stringify(e.data).includes(`"${rolloutId}-${device.deviceId}"`),
      );
      expect({ device: device.name, assigned: assigned.length }).toEqual({ device: device.name, assigned: 1 });
    }
  }

  it('run side by side: a rollout through three waves assigns each device exactly once', async () => {
    replica = await platform.startReplica('rollout-orchestrator');
    const bytes = Buffer.from(`tracker 1.0.0 ${'t'.repeat(10_000)}`);
    await publishArtifact(platform, { name: 'tracker', version: '1.0.0', bytes });
    const created = await createRollout(platform, rolloutBody('tracker@1.0.0', 'pair', probe, [20, 60, 100]));
    expect((await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    await eachDeviceOnceOn(created.rolloutId, 'tracker', bytes);
  }, 180_000);

  it('one replica SIGKILLed mid-rollout: the other finishes it, with the same outcome', async () => {
    const bytes = Buffer.from(`tracker 2.0.0 ${'u'.repeat(10_000)}`);
    await publishArtifact(platform, { name: 'tracker', version: '2.0.0', bytes });
    const created = await createRollout(platform, rolloutBody('tracker@2.0.0', 'pair', probe, [20, 60, 100]));
    await eventually('the first wave under way', async () =>
      (await getRollout(platform, created.rolloutId)).devices.some((d) => d.state !== 'pending') ? true : undefined,
    );
    await platform.services['rollout-orchestrator']!.kill();

    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted'], 120_000);
    expect(done.status).toBe('succeeded');
    await eachDeviceOnceOn(created.rolloutId, 'tracker', bytes);
    const waves = (await auditOf(platform, `rollout=${created.rolloutId}`))
      .filter((e) => e.type.endsWith('WaveStarted'))
      .map((e) => e.data.wave);
    expect(waves).toEqual([0, 1, 2]);
  }, 240_000);
});
