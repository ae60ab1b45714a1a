import type { INestApplication } from '@nestjs/common';
import { gateway, orchestrator } from '@keelson/requests';
import type { DeviceHardware, DeviceState } from '@keelson/events';
import { createServiceApp } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { orchestratorAppModule } from './app.module.js';
import { fleet, startOrchestrator, type OrchestratorHarness } from './test-fixtures/orchestrator-app.js';

const probe = { kind: 'file' as const, path: '/run/ready', timeoutSeconds: 5, attempts: 1 };
const oneWave = { waves: [{ percent: 100, gate: 'auto' as const }] };
const orin16: DeviceHardware = { accelerator: 'jetson-orin', memoryMb: 16_000, architecture: 'arm64' };
const orin4: DeviceHardware = { accelerator: 'jetson-orin', memoryMb: 4_000, architecture: 'arm64' };
const hailo: DeviceHardware = { accelerator: 'hailo-8', memoryMb: 8_000, architecture: 'arm64' };

describe('creating rollouts: targets, hardware fit, one active rollout per device, channels, retries', () => {
  let h: OrchestratorHarness;
  const create = (input: Omit<Parameters<typeof h.call<typeof orchestrator.createRollout>>[1], 'fleet' | 'probe' | 'strategy'>) =>
    h.call(orchestrator.createRollout, { fleet, probe, strategy: oneWave, ...input });
  const view = (rolloutId: string) => h.call(orchestrator.getRollout, { fleet, rolloutId });
  const update = async (rolloutId: string, deviceId: string, outcome: DeviceState) => {
    await eventually(async () => (await h.assignmentsOf(deviceId, rolloutId)).length > 0);
    for (const state of ['downloading', 'verifying', 'applying', outcome] as const) h.report(deviceId, rolloutId, state);
  };

  beforeAll(async () => {
    h = await startOrchestrator();
    const devices: [string, DeviceHardware, Record<string, string>][] = [
      ['d-orin-a', orin16, { site: 'north' }],
      ['d-orin-b', orin16, { site: 'south' }],
      ['d-orin-small', orin4, { site: 'north' }],
      ['d-hailo', hailo, { site: 'north' }],
    ];
    for (const [id, hardware, labels] of devices) await h.gw.enroll(fleet, id, `cam-${id.slice(2)}`, { hardware, labels });
    await eventually(async () => (await h.call(gateway.findDevices, { fleet })).items.length === devices.length);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('targets', () => {
    it('resolves a selector over hardware and labels now, and records it with the devices', async () => {
      const created = await create({
        artifact: { name: 'sel-model', version: '1.0.0' },
        selector: 'accelerator=jetson-orin, memoryMb>=8000, site=north',
      });
      expect(created).toMatchObject({
        selector: 'accelerator=jetson-orin, memoryMb>=8000, site=north',
        devices: [{ deviceId: 'd-orin-a' }],
      });
      expect(created.groupId).toBeUndefined();
      const [event, targets] = await h.rolloutEvents(created.rolloutId);
      expect(event).toMatchObject({
        type: 'RolloutCreated',
        data: { selector: 'accelerator=jetson-orin, memoryMb>=8000, site=north', deviceCount: 1 },
      });
      expect(targets).toMatchObject({ type: 'RolloutTargetsAdded', data: { from: 0, deviceIds: ['d-orin-a'] } });
    });

    it('refuses a selector it cannot parse, saying which clause', async () => {
      await expect(create({ artifact: { name: 'sel-model', version: '1.0.0' }, selector: 'memoryMb>=lots' })).rejects.toMatchObject({
        name: 'InvalidInput',
        code: 'selector.invalid',
        issues: [{ message: expect.stringMatching(/clause 1 'memoryMb>=lots'/) }],
      });
    });

    it('targets one device by name, without a group, and reports names that do not resolve', async () => {
      const one = await create({ artifact: { name: 'known-good', version: '1.0.0' }, deviceNames: ['cam-hailo'] });
      expect(one).toMatchObject({ deviceNames: ['cam-hailo'], devices: [{ deviceId: 'd-hailo' }] });
      await expect(
        create({ artifact: { name: 'named-model', version: '1.0.0' }, deviceNames: ['cam-orin-a', 'cam-nowhere'] }),
      ).rejects.toMatchObject({ code: 'target.unresolved-names', issues: [{ path: ['deviceNames', 'cam-nowhere'] }] });
    });

    it('refuses a request naming two targets', async () => {
      await expect(
        create({ artifact: { name: 'named-model', version: '1.0.0' }, deviceNames: ['cam-hailo'], selector: 'site=north' }),
      ).rejects.toMatchObject({ name: 'InvalidInput' });
    });
  });

  describe('a group that keeps a decommissioned member', () => {
    const members = async (...ids: string[]) =>
      (await h.call(gateway.findDevices, { fleet, deviceIds: ids })).items.map((d) => d.deviceId).sort();
    let groupId: string;
    beforeAll(async () => {
      for (const id of ['d-kept', 'd-retired']) await h.gw.enroll(fleet, id, `cam-${id.slice(2)}`, { hardware: orin16 });
      await eventually(async () => (await members('d-kept', 'd-retired')).length === 2);
      ({ groupId } = await h.call(gateway.createGroup, { fleet, name: 'dock', deviceNames: ['cam-kept', 'cam-retired'] }));
      await h.decommission('d-retired');
      await eventually(async () => (await members('d-kept', 'd-retired')).join() === 'd-kept');
    });

    it('leaves it out and records why, instead of refusing it as a hardware misfit', async () => {
      const created = await create({ artifact: { name: 'orin-grouped', version: '1.0.0' }, groupId });
      expect(created).toMatchObject({
        groupId,
        inactive: [{ deviceId: 'd-retired', reason: 'decommissioned' }],
        devices: [{ deviceId: 'd-kept' }],
      });
      expect(created.devices).toHaveLength(1);
      expect(created.misfits).toBeUndefined();
      const [event, targets] = await h.rolloutEvents(created.rolloutId);
      expect(event).toMatchObject({
        type: 'RolloutCreated',
        data: { deviceCount: 1, inactive: [{ deviceId: 'd-retired', reason: 'decommissioned' }] },
      });
      expect(targets).toMatchObject({ type: 'RolloutTargetsAdded', data: { deviceIds: ['d-kept'] } });
      expect(await view(created.rolloutId)).toMatchObject({ inactive: [{ deviceId: 'd-retired' }] });
    });

    it('does not target it when the artifact has no hardware needs, so it cannot hang the rollout', async () => {
      const created = await create({ artifact: { name: 'any-box', version: '1.0.0' }, groupId });
      expect(created.devices.map((d) => d.deviceId)).toEqual(['d-kept']);
      await update(created.rolloutId, 'd-kept', 'healthy');
      await eventually(async () => (await view(created.rolloutId)).status === 'succeeded');
    });

    it('refuses a group whose members are all decommissioned', async () => {
      const { groupId: retired } = await h.call(gateway.createGroup, { fleet, name: 'retired-only', deviceNames: ['cam-kept'] });
      await h.decommission('d-kept');
      await eventually(async () => (await members('d-kept')).length === 0);
      await expect(create({ artifact: { name: 'any-box', version: '1.0.1' }, groupId: retired })).rejects.toMatchObject({
        name: 'InvalidInput',
        code: 'group.no-active-devices',
        issues: [{ message: expect.stringContaining('decommissioned: d-kept') }],
      });
    });
  });

  describe('hardware fit', () => {
    it('refuses a rollout with misfits, a reason per device', async () => {
      await expect(create({ artifact: { name: 'orin-detector', version: '1.0.0' }, selector: 'site=north' })).rejects.toMatchObject({
        code: 'hardware.misfit',
        issues: [
          { path: ['devices', 'd-orin-small'], message: 'needs at least 8000 MB memory, device has 4000 MB' },
          { path: ['devices', 'd-hailo'], message: 'needs accelerator jetson-orin, device has hailo-8' },
        ],
      });
    });

    it('creates it without the misfits when told to exclude them, and records them', async () => {
      const created = await create({ artifact: { name: 'orin-detector', version: '1.0.0' }, selector: 'site=north', onMisfit: 'exclude' });
      expect(created.devices.map((d) => d.deviceId)).toEqual(['d-orin-a']);
      expect(created.misfits?.map((m) => m.deviceId).sort()).toEqual(['d-hailo', 'd-orin-small']);
    });
  });

  describe('one active rollout per device and artifact name', () => {
    it('refuses a conflicting rollout naming the one in the way, and supersedes it when asked with a reason', async () => {
      const first = await create({ artifact: { name: 'conflicted', version: '1.0.0' }, deviceNames: ['cam-orin-b'] });
      await expect(create({ artifact: { name: 'conflicted', version: '1.0.1' }, deviceNames: ['cam-orin-b'] })).rejects.toMatchObject({
        name: 'RuleViolation',
        code: 'rollout.conflict',
        message: expect.stringContaining(first.rolloutId),
      });

      const second = await create({
        artifact: { name: 'conflicted', version: '1.0.1' },
        deviceNames: ['cam-orin-b'],
        supersede: { reason: 'hotfix for a crash' },
      });
      expect(second).toMatchObject({
        supersedes: [{ rolloutId: first.rolloutId, deviceIds: ['d-orin-b'] }],
        supersedeReason: 'hotfix for a crash',
      });
      expect(await view(first.rolloutId)).toMatchObject({
        status: 'aborted',
        abortMode: 'keep',
        devices: [{ deviceId: 'd-orin-b', state: 'excluded' }],
      });
      const left = (await h.rolloutEvents(first.rolloutId)).find((e) => e.type === 'DeviceExcluded');
      expect(left?.data).toMatchObject({ reason: `superseded by rollout ${second.rolloutId}: hotfix for a crash` });
    });

    it('lets exactly one of several racing creations have the device, across two replicas', async () => {
      // a second orchestrator on the same NATS and database: the command queue group splits the requests between them
      const replica: INestApplication = await createServiceApp(orchestratorAppModule(h.config), h.config);
      await replica.init();
      const attempt = (version: string) => create({ artifact: { name: 'raced', version }, deviceNames: ['cam-orin-small'] });
      const results = await Promise.allSettled(['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.0.5'].map(attempt)).finally(() =>
        replica.close(),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const winner = (won[0] as PromiseFulfilledResult<orchestrator.RolloutView>).value.rolloutId;
      for (const r of results.filter((x) => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'rollout.conflict', message: expect.stringContaining(winner) });
      }
    });

    it('does not count another artifact name, nor a device its rollout is done with', async () => {
      const a = await create({ artifact: { name: 'done-with', version: '1.0.0' }, deviceNames: ['cam-orin-a'] });
      await create({ artifact: { name: 'other-name', version: '1.0.0' }, deviceNames: ['cam-orin-a'] });
      await update(a.rolloutId, 'd-orin-a', 'healthy');
      await eventually(async () => (await view(a.rolloutId)).status === 'succeeded');
      await expect(create({ artifact: { name: 'done-with', version: '1.0.1' }, deviceNames: ['cam-orin-a'] })).resolves.toMatchObject({
        status: 'running',
      });
    });
  });

  describe('channels and promotion', () => {
    it('resolves name@channel at creation, and promotes only a rollout that succeeded', async () => {
      await expect(create({ artifact: { name: 'chan-model', channel: 'canary' }, deviceNames: ['cam-hailo'] })).rejects.toMatchObject({
        code: 'channel.not-found',
      });
      const set = await h.call(orchestrator.setChannel, {
        fleet,
        artifactName: 'chan-model',
        channel: 'canary',
        version: '3.0.0',
        reason: 'candidate',
      });
      expect(set.channels).toMatchObject([{ channel: 'canary', version: '3.0.0' }]);

      const rollout = await create({ artifact: { name: 'chan-model', channel: 'canary' }, deviceNames: ['cam-hailo'] });
      expect(rollout).toMatchObject({ channel: 'canary', artifact: { name: 'chan-model', version: '3.0.0' } });
      await expect(h.call(orchestrator.promoteRollout, { fleet, rolloutId: rollout.rolloutId, channel: 'stable' })).rejects.toMatchObject({
        code: 'rollout.not-succeeded',
      });

      await update(rollout.rolloutId, 'd-hailo', 'healthy');
      await eventually(async () => (await view(rollout.rolloutId)).status === 'succeeded');
      const promoted = await h.call(orchestrator.promoteRollout, { fleet, rolloutId: rollout.rolloutId, channel: 'stable' });
      expect(promoted.channels).toMatchObject([
        { channel: 'canary', version: '3.0.0' },
        { channel: 'stable', version: '3.0.0', rolloutId: rollout.rolloutId },
      ]);
      expect(await h.call(orchestrator.listChannels, { fleet, artifactName: 'chan-model' })).toEqual(promoted);
    });
  });

  describe('retries', () => {
    it('retries the failed devices as a new rollout linked to the original', async () => {
      const original = await create({ artifact: { name: 'retried', version: '1.0.0' }, deviceNames: ['cam-orin-a', 'cam-orin-b'] });
      await expect(h.call(orchestrator.retryRollout, { fleet, rolloutId: original.rolloutId })).rejects.toMatchObject({
        code: 'rollout.nothing-to-retry',
      });
      await update(original.rolloutId, 'd-orin-a', 'healthy');
      await update(original.rolloutId, 'd-orin-b', 'rolled_back');
      await eventually(async () => (await view(original.rolloutId)).status === 'failed');
      const retry = await h.call(orchestrator.retryRollout, { fleet, rolloutId: original.rolloutId });
      expect(retry).toMatchObject({
        retryOf: original.rolloutId,
        artifact: { name: 'retried', version: '1.0.0' },
        devices: [{ deviceId: 'd-orin-b' }],
      });
    });
  });
});
