import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, eventually, getRollout, publishArtifact, waitForRollout, type ProbeSpec, type RolloutView } from './support/operator.js';
import { startedEarly } from './support/started-together.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

interface View extends RolloutView {
  devices: { deviceId: string; wave: number; state: string; reason?: string; timedOut?: true; unreachable?: true }[];
}

// Issue 5: the rules that decide what failure means — a failure percentage that applies after a
// minimum of finished devices, the per-device timeout, and an unreachable device that blocks nothing.
describe('rollout failure rules', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const tools = mkdtempSync(join(tmpdir(), 'keelson-rules-'));
  // The health check fails on the devices named in `failing-devices` (a device's data dir holds its name).
  const failList = join(tools, 'failing-devices');
  const check = join(tools, 'check');
  writeFileSync(failList, '');
  writeFileSync(check, `#!/bin/sh\nfor n in $(cat ${failList}); do case "$KEELSON_ARTIFACT_PATH" in */$n/*) exit 1;; esac; done\nexit 0\n`);
  chmodSync(check, 0o755);
  const probe: ProbeSpec = { kind: 'exec', path: check, timeoutSeconds: 5, attempts: 1 };
  const nameOf = (id: string) => fleet.devices.find((d) => d.deviceId === id)!.name;
  const create = async (body: Record<string, unknown>) => {
    const res = await platform.api<View>('/v1/rollouts', { body: { probe, ...body } });
    if (res.status !== 201) throw new Error(`rollout create answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  /** Creates a rollout whose first wave waits at a manual gate, so a test can act on its known members first. */
  const gatedFirstWave = (artifact: string, devices: string[], rest: Record<string, unknown>) =>
    create({
      artifact,
      devices,
      strategy: {
        waves: [
          { percent: 50, gate: 'manual' },
          { percent: 100, gate: 'auto' },
        ],
        ...rest,
      },
    });
  const approve = (rolloutId: string) => platform.api(`/v1/rollouts/${rolloutId}/approve`, { body: {} });
  /** The timeout case's device, which no other case names: it stays busy past its timeout meanwhile. */
  const busyDevice = 'sim-9';
  /** A rollout to the busy device whose probe waits 80 s before it looks, past the device's 60 s timeout. */
  const rolloutPastTheTimeout = async () => {
    await publishArtifact(platform, { name: 'slowpoke', version: '1.0.0', bytes: Buffer.from(`slowpoke 1.0.0 ${'w'.repeat(5_000)}`) });
    const slow: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 80 };
    const created = await create({
      artifact: 'slowpoke@1.0.0',
      devices: [busyDevice],
      probe: slow,
      strategy: { waves: [{ percent: 100, gate: 'auto' }], deviceTimeoutSeconds: 60 },
    });
    return {
      rolloutId: created.rolloutId,
      done: (await waitForRollout(platform, created.rolloutId, ['halted', 'succeeded', 'failed'], 150_000)) as View,
    };
  };
  let pastTheTimeout: () => ReturnType<typeof rolloutPastTheTimeout>;

  beforeAll(async () => {
    platform = await startTestPlatform({
      serviceEnv: {
        'device-gateway': { KEELSON_DEVICE_OFFLINE_SECONDS: '12' },
        'rollout-orchestrator': { KEELSON_TIMEOUT_SWEEP_SECONDS: '2' },
      },
    });
    fleet = await startFleet(platform, { count: 9, allowExec: [check] });
    // The timeout case waits 80 s by design: started now, that wait overlaps the cases before it.
    pastTheTimeout = startedEarly(rolloutPastTheTimeout);
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
    rmSync(tools, { recursive: true, force: true });
  }, 60_000);

  it('halts on a failure percentage once the minimum of devices finished, not on a share below it', async () => {
    await publishArtifact(platform, { name: 'scorer', version: '1.0.0', bytes: Buffer.from(`scorer 1.0.0 ${'s'.repeat(5_000)}`) });
    const names = fleet.devices.map((d) => d.name).filter((name) => name !== busyDevice);
    const rule = { maxFailures: 10, failureRate: { maxPercent: 50, minFinished: 4 } };

    // 3 of the first wave's 4 devices fail: 75 % of 4 finished is over 50 %, so the rollout halts in wave 1.
    const high = await gatedFirstWave('scorer@1.0.0', names, rule);
    const firstWave = high.devices.filter((d) => d.wave === 0).map((d) => nameOf(d.deviceId));
    expect(firstWave).toHaveLength(4);
    writeFileSync(failList, firstWave.slice(0, 3).join('\n'));
    await approve(high.rolloutId);
    const halted = await waitForRollout(platform, high.rolloutId, ['halted', 'succeeded', 'failed'], 120_000);
    expect(halted.status).toBe('halted');
    expect(halted.haltReason).toMatch(/%/);
    expect(halted.devices.filter((d) => d.wave === 1).map((d) => d.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
    await platform.api(`/v1/rollouts/${high.rolloutId}/abort`, { body: { mode: 'keep' } });

    // 1 of 4 (25 %) stays under the rate: the rollout widens and ends failed, not halted.
    await publishArtifact(platform, { name: 'scorer', version: '1.1.0', bytes: Buffer.from(`scorer 1.1.0 ${'t'.repeat(5_000)}`) });
    const low = await gatedFirstWave('scorer@1.1.0', names, { ...rule, maxFailures: 1 });
    writeFileSync(failList, nameOf(low.devices.find((d) => d.wave === 0)!.deviceId));
    await approve(low.rolloutId);
    const done = await waitForRollout(platform, low.rolloutId, ['halted', 'succeeded', 'failed'], 120_000);
    expect(done.status).toBe('failed');
    expect(done.devices.filter((d) => d.state === 'healthy')).toHaveLength(7);
    writeFileSync(failList, '');
  }, 300_000);

  it('lets waves pass an unreachable device, which keeps its assignment and updates when it returns', async () => {
    const bytes = Buffer.from(`mapper 1.0.0 ${'m'.repeat(5_000)}`);
    await publishArtifact(platform, { name: 'mapper', version: '1.0.0', bytes });
    const created = await gatedFirstWave('mapper@1.0.0', ['sim-1', 'sim-2'], {});
    const silent = fleet.devices.find((d) => d.deviceId === created.devices.find((v) => v.wave === 0)!.deviceId)!;
    await silent.stop();
    await eventually(`${silent.name} listed unreachable`, async () => {
      const { body } = await platform.api<{ reachable: boolean }>(`/v1/devices/${silent.deviceId}`);
      return body.reachable ? undefined : true;
    });
    await approve(created.rolloutId);

    // The second wave starts and finishes without the silent canary; the rollout waits only for it.
    const other = created.devices.find((v) => v.wave === 1)!.deviceId;
    const passed = await eventually(
      'the second wave healthy',
      async () => {
        const view = (await getRollout(platform, created.rolloutId)) as View;
        return view.devices.find((d) => d.deviceId === other)?.state === 'healthy' ? view : undefined;
      },
      90_000,
    );
    expect(passed.status).toBe('running');
    expect(passed.devices.find((d) => d.deviceId === silent.deviceId)).toMatchObject({ unreachable: true });

    await silent.restart();
    expect((await waitForRollout(platform, created.rolloutId, ['halted', 'succeeded', 'failed'], 120_000)).status).toBe('succeeded');
  }, 240_000);

  it('fails a reachable device that does not finish within the timeout; its late report changes nothing', async () => {
    // The device stays online, busy, past its 60 s timeout (started in beforeAll).
    const { rolloutId, done } = await pastTheTimeout();
    expect(done.status).toBe('failed');
    expect(done.devices[0]).toMatchObject({ state: 'failed', reason: 'timeout', timedOut: true });

    const late = await eventually(
      'the late report on the record',
      async () => {
        const entries = (await auditOf(platform, `rollout=${rolloutId}`)).filter((e) => e.type.endsWith('LateDeviceReportRecorded'));
        return entries.length ? entries : undefined;
      },
      90_000,
    );
    expect(late[0]!.data).toMatchObject({ state: 'healthy' });
    expect(((await getRollout(platform, rolloutId)) as View).devices[0]).toMatchObject({ state: 'failed', reason: 'timeout' });
  }, 300_000);
});
