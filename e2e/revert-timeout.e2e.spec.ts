import { readFileSync } from 'node:fs';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, eventually, getRollout, publishArtifact, waitForRollout, type ProbeSpec, type RolloutView } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

interface View extends RolloutView {
  devices: { deviceId: string; wave: number; state: string; revert?: { state: string; reason?: string } }[];
}

const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };

// Issue 15 item 3: a revert that a reachable device never finishes times out like an update does,
// once, and `rollout watch` ends counting it failed; a device that reverts normally is unaffected.
describe('revert timeout', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  // Filled once the first wave is known: the simulator checks it when a revert is applied.
  const stalled = new Set<string>();
  const bytesOf = (version: string) => Buffer.from(`holder ${version} ${'h'.repeat(4_000)}`);
  const devices = () => fleet.devices.map((d) => d.name);
  const create = async (body: Record<string, unknown>) => {
    const res = await platform.api<View>('/v1/rollouts', { body: { probe, devices: devices(), ...body } });
    if (res.status !== 201) throw new Error(`rollout create answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv: { 'rollout-orchestrator': { KEELSON_TIMEOUT_SWEEP_SECONDS: '1' } } });
    fleet = await startFleet(platform, { count: 4, testOnlyStallReverts: stalled });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('times a stalled revert out once, ends the watch with it failed, and leaves the other revert alone', async () => {
    await publishArtifact(platform, { name: 'holder', version: '1.0.0', bytes: bytesOf('1.0.0') });
    await publishArtifact(platform, { name: 'holder', version: '2.0.0', bytes: bytesOf('2.0.0') });
    const first = await create({ artifact: 'holder@1.0.0', strategy: { waves: [{ percent: 100, gate: 'auto' }] } });
    expect((await waitForRollout(platform, first.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');

    // 2.0.0 reaches the first wave (two devices) and waits at a manual gate: one of the two will stall its revert.
    const waves = [
      { percent: 50, gate: 'auto' },
      { percent: 100, gate: 'manual' },
    ];
    const second = await create({ artifact: 'holder@2.0.0', strategy: { waves, deviceTimeoutSeconds: 60 } });
    const waiting = (await waitForRollout(platform, second.rolloutId, ['awaiting-approval', 'succeeded', 'failed', 'halted'])) as View;
    expect(waiting.status).toBe('awaiting-approval');
    const [stuck, normal] = waiting.devices.filter((d) => d.wave === 0).map((d) => fleet.devices.find((f) => f.deviceId === d.deviceId)!);
    expect(normal).toBeDefined();
    stalled.add(stuck!.name);

    // `rollout watch`, open across the abort: it must wait for the stalled revert until it times out.
    const watching = keelson(platform.apiUrl, platform.adminToken, 'rollout', 'watch', second.rolloutId);
    const aborted = await platform.api<{ status: string }>(`/v1/rollouts/${second.rolloutId}/abort`, { body: { mode: 'revert' } });
    expect(aborted.body).toMatchObject({ status: 'aborted' });

    // The stalled device reports `applying` and nothing more, and stays connected all along.
    const revertId = `${second.rolloutId}-${stuck!.deviceId}-r`;
    await eventually('the stalled revert applying', async () =>
      stuck!.reports.some((r) => r.assignmentId === revertId && r.state === 'applying') ? true : undefined,
    );

    const watched = await watching;
    expect(watched.code).toBe(1); // aborted
    const lines = watched.stdout.split('\n');
    expect(lines.filter((l) => l.includes(`${stuck!.name}  revert FAILED: timeout`))).toHaveLength(1);
    expect(lines.slice(-3)).toEqual(['reverts: 1 reverted, 1 failed', 'rollout aborted', '']);
    expect(stuck!.connected).toBe(true);
    expect(stuck!.reports.filter((r) => r.assignmentId === revertId).map((r) => r.state)).toEqual(['applying']);

    const view = (await getRollout(platform, second.rolloutId)) as View;
    expect(view.devices.find((d) => d.deviceId === stuck!.deviceId)!.revert).toMatchObject({ state: 'failed', reason: 'timeout' });
    expect(view.devices.find((d) => d.deviceId === normal!.deviceId)!.revert).toMatchObject({ state: 'healthy' });
    expect(readFileSync(normal!.activeFile('holder', 'model.onnx'))).toEqual(bytesOf('1.0.0'));

    // Replayed from the start, the watch ends the same way; by then several sweeps have passed the deadline.
    const replayed = await keelson(platform.apiUrl, platform.adminToken, 'rollout', 'watch', second.rolloutId);
    expect(replayed.stdout.split('\n').slice(-3)).toEqual(['reverts: 1 reverted, 1 failed', 'rollout aborted', '']);
    const timedOut = (await auditOf(platform, `rollout=${second.rolloutId}`)).filter((e) => e.type.endsWith('DeviceRevertTimedOut'));
    expect(timedOut.map((e) => e.data.deviceId)).toEqual([stuck!.deviceId]);
  }, 240_000);
});
