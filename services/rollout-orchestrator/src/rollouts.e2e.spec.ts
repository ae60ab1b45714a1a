import { register, type Counter } from 'prom-client';
import { gateway, orchestrator } from '@keelson/requests';
import type { DeviceState } from '@keelson/events';
import { eventually } from '@keelson/testing';
import { artifactRef, fleet, startOrchestrator, type OrchestratorHarness } from './test-fixtures/orchestrator-app.js';

const probe = { kind: 'file' as const, path: '/run/ready', timeoutSeconds: 5, attempts: 1 };
const waves = (...spec: [number, 'auto' | 'manual'][]) => spec.map(([percent, gate]) => ({ percent, gate }));

describe("rollout orchestrator against real NATS, PostgreSQL and the gateway's device half", () => {
  let h: OrchestratorHarness;
  let group: { groupId: string; deviceIds: string[] };

  beforeAll(async () => {
    h = await startOrchestrator();
    group = await h.deviceGroup('line-7', 10);
  });
  afterAll(async () => {
    await h?.close();
  });

  const create = (name: string, strategy: { waves: ReturnType<typeof waves>; maxFailures?: number }) =>
    h.call(orchestrator.createRollout, { fleet, artifact: { name, version: '2.1.0' }, groupId: group.groupId, probe, strategy });
  const view = (rolloutId: string) => h.call(orchestrator.getRollout, { fleet, rolloutId });
  const devicesIn = async (rolloutId: string, state: string) =>
    (await view(rolloutId)).devices.filter((d) => d.state === state).map((d) => d.deviceId);
  /** Reports like an agent once the device's desired state holds its assignment. */
  const update = async (rolloutId: string, deviceId: string, outcome: DeviceState = 'healthy') => {
    await eventually(async () => (await h.assignmentsOf(deviceId, rolloutId)).length > 0);
    for (const state of ['downloading', 'verifying', 'applying', outcome] as const) h.report(deviceId, rolloutId, state);
  };

  it('rolls out wave by wave to every device and finishes succeeded', async () => {
    const created = await create('yolo-v8n', { waves: waves([10, 'auto'], [50, 'auto'], [100, 'auto']) });
    expect(created).toMatchObject({ status: 'running', currentWave: 0, groupId: group.groupId });
    expect(created.rolloutId).toMatch(/^r-[0-9a-f]{12}$/);
    expect(created.devices.map((d) => [d.wave, d.state])).toEqual([
      [0, 'assigned'],
      ...Array(4).fill([1, 'pending']),
      ...Array(5).fill([2, 'pending']),
    ]);
    const { rolloutId } = created;
    const [canary] = created.devices.map((d) => d.deviceId) as [string];

    await eventually(async () => (await h.assignmentsOf(canary, rolloutId)).length === 1);
    expect((await h.assignmentsOf(canary, rolloutId))[0]).toEqual({
      assignmentId: `${rolloutId}-${canary}`,
      rolloutId,
      action: 'install',
      probe: { ...probe, initialDelaySeconds: 0 },
      artifact: created.artifact,
    });
    h.report(canary, rolloutId, 'verifying');
    await eventually(async () => (await devicesIn(rolloutId, 'verifying')).includes(canary));

    for (let wave = 0; wave < 3; wave++) {
      await eventually(async () => (await view(rolloutId)).currentWave === wave);
      const inWave = (await view(rolloutId)).devices.filter((d) => d.wave === wave).map((d) => d.deviceId);
      await Promise.all(inWave.map((d) => update(rolloutId, d)));
    }
    await eventually(async () => (await view(rolloutId)).status === 'succeeded');
    const done = await view(rolloutId);
    expect(done.devices.every((d) => d.state === 'healthy')).toBe(true);
    expect(done.finishedAt).toBeDefined();
    for (const d of group.deviceIds) expect(await h.assignmentsOf(d, rolloutId)).toHaveLength(1);
    await eventually(async () =>
      (await h.call(orchestrator.listRollouts, { fleet })).items.some((r) => r.rolloutId === rolloutId && r.status === 'succeeded'),
    );
  });

  it('halts itself when the canary rolls back, assigns no one else, and reverts the canary on abort', async () => {
    const { rolloutId, devices } = await create('bad-model', { waves: waves([10, 'auto'], [100, 'auto']) });
    const canary = devices[0]!.deviceId;
    await update(rolloutId, canary, 'rolled_back');
    await eventually(async () => (await view(rolloutId)).status === 'halted');
    expect((await view(rolloutId)).haltReason).toMatch(/halt rule/);
    expect((await h.rolloutEvents(rolloutId)).filter((e) => e.type === 'WaveStarted')).toHaveLength(1);

    const abortedView = await h.call(orchestrator.abortRollout, { fleet, rolloutId, mode: 'revert' });
    expect(abortedView).toMatchObject({ status: 'aborted', abortMode: 'revert' });
    await eventually(async () => (await h.assignmentsOf(canary, rolloutId)).some((a) => a.action === 'revert'));
    expect((await h.assignmentsOf(canary, rolloutId)).find((a) => a.action === 'revert')?.assignmentId).toBe(`${rolloutId}-${canary}-r`);
    for (const d of devices.slice(1)) expect(await h.assignmentsOf(d.deviceId, rolloutId)).toEqual([]);
    // the revert's own report is the device's business, not a rollout outcome
    h.report(canary, rolloutId, 'healthy', `${rolloutId}-${canary}-r`);
    await expect(h.call(orchestrator.resumeRollout, { fleet, rolloutId })).rejects.toMatchObject({
      name: 'RuleViolation',
      code: 'rollout.aborted',
    });
  });

  it('waits at a manual gate until approved and answers with the approved wave already assigned', async () => {
    const { rolloutId, devices } = await create('gated-model', { waves: waves([10, 'auto'], [100, 'manual']) });
    await update(rolloutId, devices[0]!.deviceId);
    await eventually(async () => (await view(rolloutId)).status === 'awaiting-approval');
    expect((await view(rolloutId)).currentWave).toBe(1);
    expect(await h.assignmentsOf(devices[1]!.deviceId, rolloutId)).toEqual([]);

    const approved = await h.call(orchestrator.approveWave, { fleet, rolloutId, wave: 1 });
    expect(approved.status).toBe('running');
    expect(approved.devices.slice(1).every((d) => d.state === 'assigned')).toBe(true);
    await eventually(async () => (await h.assignmentsOf(devices[9]!.deviceId, rolloutId)).length === 1);
    expect(await h.call(orchestrator.approveWave, { fleet, rolloutId })).toMatchObject({ status: 'running' });
  });

  it("halts and resumes on an operator's word, halting twice changing nothing", async () => {
    const { rolloutId } = await create('paused-model', { waves: waves([10, 'auto'], [100, 'auto']) });
    const before = (await h.rolloutEvents(rolloutId)).length;
    expect(await h.call(orchestrator.haltRollout, { fleet, rolloutId, reason: 'line maintenance' })).toMatchObject({
      status: 'halted',
      haltReason: 'line maintenance',
    });
    expect(await h.call(orchestrator.haltRollout, { fleet, rolloutId })).toMatchObject({
      status: 'halted',
      haltReason: 'line maintenance',
    });
    expect(await h.call(orchestrator.resumeRollout, { fleet, rolloutId })).toMatchObject({ status: 'running' });
    expect((await h.rolloutEvents(rolloutId)).slice(before).map((e) => e.type)).toEqual(['RolloutHalted', 'RolloutResumed']);
    await expect(h.call(orchestrator.getRollout, { fleet, rolloutId: 'r-000000000000' })).rejects.toMatchObject({
      name: 'NotFound',
      code: 'rollout.not-found',
    });
  });

  it('stops targeting decommissioned devices, whether before or after their assignment, and finishes without them', async () => {
    const retire = await h.deviceGroup('retire', 3);
    const [early, late, kept] = retire.deviceIds as [string, string, string];
    await h.decommission(early);
    const { rolloutId } = await h.call(orchestrator.createRollout, {
      fleet,
      artifact: { name: 'retire-model', version: '1.0.0' },
      groupId: retire.groupId,
      probe,
      strategy: { waves: waves([100, 'auto']) },
    });
    await eventually(async () => (await devicesIn(rolloutId, 'excluded')).includes(early));
    await eventually(async () => (await h.assignmentsOf(late, rolloutId)).length === 1);
    await h.decommission(late);
    await update(rolloutId, kept);
    await eventually(async () => (await view(rolloutId)).status === 'succeeded');
    expect((await view(rolloutId)).devices.map((d) => [d.deviceId, d.state]).sort()).toEqual(
      [
        [early, 'excluded'],
        [kept, 'healthy'],
        [late, 'excluded'],
      ].sort(),
    );
    expect(await h.assignmentsOf(early, rolloutId)).toEqual([]);
  });

  it('skips a report about a rollout it never created, and its consumer carries on', async () => {
    const device = group.deviceIds[0]!;
    const stray = 'r-ffffffffffff';
    const assignment = {
      assignmentId: `${stray}-${device}`,
      rolloutId: stray,
      action: 'install' as const,
      probe: { ...probe, initialDelaySeconds: 0 },
      artifact: artifactRef('stray-model'),
    };
    await h.call(gateway.assignDevice, { fleet, deviceId: device, assignment });
    h.report(device, stray, 'healthy');
    const { rolloutId, devices } = await create('after-stray', { waves: waves([100, 'auto']) });
    await Promise.all(devices.map((d) => update(rolloutId, d.deviceId)));
    await eventually(async () => (await view(rolloutId)).status === 'succeeded');
    const skipped = register.getSingleMetric('keelson_rollout_skipped_messages_total') as Counter<string> | undefined;
    expect((await skipped?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0).toBe(0);
  });

  describe('refuses bad input with InvalidInput and appends nothing', () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ['an unknown artifact', () => create('missing', { waves: waves([100, 'auto']) }), 'artifact.not-found'],
      ['an artifact not yet signed', () => create('unsigned', { waves: waves([100, 'auto']) }), 'artifact.not-published'],
      [
        'an unknown group',
        () =>
          h.call(orchestrator.createRollout, {
            fleet,
            artifact: { name: 'm', version: '1' },
            groupId: 'g-nope',
            probe,
            strategy: { waves: waves([100, 'auto']) },
          }),
        'group.not-found',
      ],
      [
        'a probe timeout of 0',
        () =>
          h.call(orchestrator.createRollout, {
            fleet,
            artifact: { name: 'm', version: '1' },
            groupId: group.groupId,
            probe: { ...probe, timeoutSeconds: 0 },
            strategy: { waves: waves([100, 'auto']) },
          }),
        'request.invalid',
      ],
      [
        '11 probe attempts',
        () =>
          h.call(orchestrator.createRollout, {
            fleet,
            artifact: { name: 'm', version: '1' },
            groupId: group.groupId,
            probe: { ...probe, attempts: 11 },
            strategy: { waves: waves([100, 'auto']) },
          }),
        'request.invalid',
      ],
    ];
    it.each(cases)('%s', async (_, attempt, code) => {
      const before = await h.streamMessages();
      await expect(attempt()).rejects.toMatchObject({ name: 'InvalidInput', code });
      expect(await h.streamMessages()).toBe(before);
    });

    it('a group whose names resolved to no device', async () => {
      const empty = await h.call(gateway.createGroup, { fleet, name: 'ghosts', deviceNames: ['nobody'] });
      const before = await h.streamMessages();
      await expect(
        h.call(orchestrator.createRollout, {
          fleet,
          artifact: { name: 'm', version: '1' },
          groupId: empty.groupId,
          probe,
          strategy: { waves: waves([100, 'auto']) },
        }),
      ).rejects.toMatchObject({ name: 'InvalidInput', code: 'group.empty' });
      expect(await h.streamMessages()).toBe(before);
    });
  });
});
