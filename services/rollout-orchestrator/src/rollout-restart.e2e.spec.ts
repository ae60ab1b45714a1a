import { jetstreamManager } from '@nats-io/jetstream';
import { register, type Counter } from 'prom-client';
import { orchestrator } from '@keelson/requests';
import { eventually } from '@keelson/testing';
import { Rollouts } from './rollouts/rollouts.js';
import { fleet, startOrchestrator, type OrchestratorHarness } from './test-fixtures/orchestrator-app.js';

const probe = { kind: 'file' as const, path: '/run/ready', timeoutSeconds: 5, attempts: 1 };
const meta = (id: string) => ({ actor: { kind: 'operator' as const, id: 'admin' }, correlationId: id, commandId: id });

describe('rollout orchestrator across restarts and races', () => {
  let h: OrchestratorHarness;
  let group: { groupId: string; deviceIds: string[] };

  beforeAll(async () => {
    h = await startOrchestrator();
    group = await h.deviceGroup('dock', 10);
  });
  afterAll(async () => {
    await h?.close();
  });

  const view = (rolloutId: string) => h.call(orchestrator.getRollout, { fleet, rolloutId });
  const assigned = async (rolloutId: string, deviceIds: string[]) => {
    for (const d of deviceIds) if ((await h.assignmentsOf(d, rolloutId)).length === 0) return false;
    return true;
  };
  const reassignedUnchanged = async () => {
    const metric = register.getSingleMetric('keelson_rollout_assignments_total') as Counter<string> | undefined;
    return (await metric?.get())?.values.find((v) => v.labels.action === 'install' && v.labels.changed === 'false')?.value ?? 0;
  };
  const healthy = (rolloutId: string, deviceIds: string[]) => {
    for (const d of deviceIds) for (const state of ['applying', 'healthy'] as const) h.report(d, rolloutId, state);
  };

  it('continues from its streams after a restart, reports that arrived meanwhile included, and assigns no device twice', async () => {
    const created = await h.call(orchestrator.createRollout, {
      fleet,
      artifact: { name: 'restart-model', version: '3.0.0' },
      groupId: group.groupId,
      probe,
      strategy: {
        waves: [
          { percent: 10, gate: 'auto' },
          { percent: 50, gate: 'auto' },
          { percent: 100, gate: 'auto' },
        ],
      },
    });
    const { rolloutId } = created;
    const order = created.devices.map((d) => d.deviceId);
    await eventually(() => assigned(rolloutId, order.slice(0, 1)));
    healthy(rolloutId, order.slice(0, 1));
    await eventually(() => assigned(rolloutId, order.slice(1, 5)));

    await h.stop();
    healthy(rolloutId, order.slice(1, 5)); // the gateway keeps taking reports while the orchestrator is down
    // As after a crash between assigning and acknowledging: the assignment reactor sees every wave again.
    const jsm = await jetstreamManager(h.gw.nc);
    await jsm.consumers.delete(`${h.gw.naming.streamPrefix}EV_ROLLOUTS`, `${h.gw.naming.streamPrefix}react-orchestrator-assignments`);
    await h.start();
    // the replayed waves reached the gateway again and changed nothing there
    await eventually(async () => (await reassignedUnchanged()) >= 5);

    await eventually(() => assigned(rolloutId, order.slice(5)));
    healthy(rolloutId, order.slice(5));
    await eventually(async () => (await view(rolloutId)).status === 'succeeded');
    for (const d of order) expect(await h.assignmentsOf(d, rolloutId)).toHaveLength(1);
    const types = (await h.rolloutEvents(rolloutId)).map((e) => e.type);
    expect(types.filter((t) => t === 'WaveStarted')).toHaveLength(3);
    expect(types.filter((t) => t === 'DeviceOutcomeRecorded')).toHaveLength(10);
  });

  describe('two handlers on one rollout at once', () => {
    let a: Rollouts;
    let b: Rollouts;
    beforeAll(() => {
      // two replicas: separate caches, one stream
      a = new Rollouts(h.rollouts);
      b = new Rollouts(h.rollouts);
    });

    const gated = async (name: string) => {
      const { rolloutId } = await h.call(orchestrator.createRollout, {
        fleet,
        artifact: { name, version: '1.0.0' },
        groupId: group.groupId,
        probe,
        strategy: { waves: [{ percent: 100, gate: 'manual' }] },
      });
      await a.current(fleet, rolloutId); // warm both caches with the same, soon stale, state
      await b.current(fleet, rolloutId);
      return rolloutId;
    };
    const at = new Date().toISOString();

    it('approve against approve: one opens the gate, the other retries and finds nothing to do', async () => {
      const rolloutId = await gated('race-approve');
      await Promise.all([
        a.execute({ type: 'ApproveWave', fleet, rolloutId, at }, meta(`approve-a-${rolloutId}`)),
        b.execute({ type: 'ApproveWave', fleet, rolloutId, at }, meta(`approve-b-${rolloutId}`)),
      ]);
      expect((await h.rolloutEvents(rolloutId)).map((e) => e.type)).toEqual([
        'RolloutCreated',
        'RolloutTargetsAdded',
        'WaveAwaitingApproval',
        'WaveApproved',
        'WaveStarted',
        'DevicesAssigned',
      ]);
    });

    it('approve against halt: both land once, in some order, and the rollout ends up halted', async () => {
      const rolloutId = await gated('race-halt');
      const [approved, halted] = await Promise.allSettled([
        a.execute({ type: 'ApproveWave', fleet, rolloutId, at }, meta(`approve-${rolloutId}`)),
        b.execute({ type: 'HaltRollout', fleet, rolloutId, at, reason: 'stop' }, meta(`halt-${rolloutId}`)),
      ]);
      expect(halted.status).toBe('fulfilled');
      const types = (await h.rolloutEvents(rolloutId)).map((e) => e.type).slice(3); // created, its targets, awaiting
      // halt first: the approval finds a halted rollout and is refused (rollout.halted); approve first: the wave starts, then the halt
      expect([['RolloutHalted'], ['WaveApproved', 'WaveStarted', 'DevicesAssigned', 'RolloutHalted']]).toContainEqual(types);
      if (types.length === 1) expect(approved).toMatchObject({ status: 'rejected', reason: { code: 'rollout.halted' } });
      else expect(approved.status).toBe('fulfilled');
      expect((await view(rolloutId)).status).toBe('halted');
    });
  });
});
