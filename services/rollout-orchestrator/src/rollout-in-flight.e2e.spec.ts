import { ConcurrencyError } from '@keelson/domain-kit';
import { orchestrator } from '@keelson/requests';
import type { DeviceState } from '@keelson/events';
import { eventually } from '@keelson/testing';
import { fleet, startOrchestrator, type OrchestratorHarness } from './test-fixtures/orchestrator-app.js';

const probe = { kind: 'file' as const, path: '/run/ready', timeoutSeconds: 5, attempts: 1 };

describe('rollout orchestrator with devices in flight: silent devices, throttle, revert reports', () => {
  let h: OrchestratorHarness;

  beforeAll(async () => {
    h = await startOrchestrator();
  });
  afterAll(async () => {
    await h?.close();
  });

  const view = (rolloutId: string) => h.call(orchestrator.getRollout, { fleet, rolloutId });
  const update = async (rolloutId: string, deviceId: string, outcome: DeviceState = 'healthy') => {
    await eventually(async () => (await h.assignmentsOf(deviceId, rolloutId)).length > 0);
    for (const state of ['downloading', 'verifying', 'applying', outcome] as const) h.report(deviceId, rolloutId, state);
  };
  /**
   * The gateway's verdict on a device's silence, appended to its stream as the gateway's reachability watch does:
   * loaded and appended again when the gateway appended to the same stream in between (its assignment, say).
   */
  const reachability = async (deviceId: string, reachable: boolean) => {
    const subject = h.gw.devices.subject('device', fleet, deviceId);
    for (let attempt = 1; ; attempt++) {
      const { lastSeq } = await h.gw.devices.load(subject);
      try {
        await h.gw.devices.append(
          subject,
          lastSeq,
          [
            {
              type: 'DeviceReachabilityChanged',
              schemaVersion: 1,
              data: { fleet, deviceId, reachable, lastSeenAt: new Date().toISOString() },
            },
          ],
          { actor: { kind: 'system', id: 'device-gateway' }, correlationId: 'spec', commandId: `reach-${deviceId}-${lastSeq}` },
        );
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt === 5) throw error;
      }
    }
  };

  it('lets the next wave start past a silent canary, which keeps its assignment and counts once it reports', async () => {
    const group = await h.deviceGroup('silent', 4);
    const created = await h.call(orchestrator.createRollout, {
      fleet,
      artifact: { name: 'silent-model', version: '1.0.0' },
      groupId: group.groupId,
      probe,
      strategy: {
        waves: [
          { percent: 25, gate: 'auto' },
          { percent: 100, gate: 'auto' },
        ],
      },
    });
    const { rolloutId } = created;
    const [canary, ...rest] = created.devices.map((d) => d.deviceId) as [string, ...string[]];
    await reachability(canary, false);
    await eventually(async () => (await view(rolloutId)).currentWave === 1);
    const during = await view(rolloutId);
    expect(during.devices[0]).toMatchObject({ deviceId: canary, state: 'assigned', unreachable: true });
    expect(during.waves?.[0]).toMatchObject({ assigned: 1, unreachable: 1, inFlight: 0 });

    await Promise.all(rest.map((d) => update(rolloutId, d)));
    await eventually(async () => (await view(rolloutId)).waves?.[1]?.healthy === 3);
    expect((await view(rolloutId)).status).toBe('running'); // the silent canary is still a live target

    await reachability(canary, true);
    await update(rolloutId, canary);
    await eventually(async () => (await view(rolloutId)).status === 'succeeded');
    expect((await h.assignmentsOf(canary, rolloutId)).map((a) => a.action)).toEqual(['install']);
  });

  it('throttles a wave to maxConcurrent devices in flight, in wave order', async () => {
    const group = await h.deviceGroup('throttled', 5);
    const created = await h.call(orchestrator.createRollout, {
      fleet,
      artifact: { name: 'throttled-model', version: '1.0.0' },
      groupId: group.groupId,
      probe,
      strategy: { waves: [{ percent: 100, gate: 'auto' }], maxConcurrent: 2 },
    });
    const { rolloutId } = created;
    const order = created.devices.map((d) => d.deviceId);
    expect(created.devices.map((d) => d.state)).toEqual(['assigned', 'assigned', 'pending', 'pending', 'pending']);
    await update(rolloutId, order[0]!);
    await eventually(async () => (await view(rolloutId)).devices[2]?.state === 'assigned');
    expect((await view(rolloutId)).devices[3]?.state).toBe('pending');
    for (const d of order.slice(1)) await update(rolloutId, d);
    await eventually(async () => (await view(rolloutId)).status === 'succeeded');
    for (const d of order) expect(await h.assignmentsOf(d, rolloutId)).toHaveLength(1);
  });

  it('reverts every updated device on abort without waiting for a silent one, and reports each revert like an update', async () => {
    const group = await h.deviceGroup('revert', 2);
    const created = await h.call(orchestrator.createRollout, {
      fleet,
      artifact: { name: 'revert-model', version: '1.0.0' },
      groupId: group.groupId,
      probe,
      strategy: { waves: [{ percent: 100, gate: 'auto' }] },
    });
    const { rolloutId } = created;
    const [online, offline] = created.devices.map((d) => d.deviceId) as [string, string];
    await update(rolloutId, online);
    await reachability(offline, false);
    await eventually(async () => (await view(rolloutId)).devices[1]?.unreachable === true);

    const aborted = await h.call(orchestrator.abortRollout, { fleet, rolloutId, mode: 'revert' });
    expect(aborted.devices.map((d) => d.revert)).toEqual([{ state: 'assigned' }, { state: 'assigned' }]);
    for (const d of [online, offline])
      await eventually(async () => (await h.assignmentsOf(d, rolloutId)).some((a) => a.action === 'revert'));
    for (const state of ['downloading', 'verifying', 'applying', 'healthy'] as const)
      h.report(online, rolloutId, state, `${rolloutId}-${online}-r`);
    await eventually(async () => (await view(rolloutId)).devices[0]?.revert?.state === 'healthy');
    expect((await view(rolloutId)).devices[1]?.revert).toEqual({ state: 'assigned' });

    await reachability(offline, true); // back: it finds its revert in its desired state
    h.report(offline, rolloutId, 'healthy', `${rolloutId}-${offline}-r`);
    await eventually(async () => (await view(rolloutId)).devices[1]?.revert?.state === 'healthy');
  });
});
