import { orchestrator } from '@keelson/requests';
import { fold } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import {
  aborted,
  at,
  awaiting,
  created,
  excluded,
  finished,
  halted,
  outcome,
  rolloutId,
  strategy,
  tenDevices,
  waveStarted,
} from '../../test-fixtures/rollout-history.js';
import { rolloutDecider, type LiveRollout } from '../domain/rollout.decider.js';
import { rolloutView, type DeviceProgress } from './rollout-view.js';
import { orderDevices } from '../domain/wave-plan.js';

const order = orderDevices(rolloutId, tenDevices);
const [canary] = order as [string];
const s = strategy([
  [10, 'auto'],
  [50, 'manual'],
  [100, 'auto'],
]);
const stateAfter = (...events: RolloutEvent[]) => fold(rolloutDecider, events) as LiveRollout;
const view = (events: RolloutEvent[], progress: DeviceProgress[] = []) =>
  orchestrator.RolloutView.parse(rolloutView(stateAfter(...events), new Map(progress.map((p) => [p.deviceId, p]))));

describe('rollout view', () => {
  it('shows devices pending until their wave starts, then assigned, then their latest report', () => {
    const v = view(
      [...created(s), ...waveStarted(0, [canary]), outcome(canary, 'healthy'), ...waveStarted(1, order.slice(1, 5))],
      [
        { deviceId: order[1]!, state: 'verifying' },
        { deviceId: order[2]!, state: 'rolled_back', reason: 'probe failed' },
      ],
    );
    expect(v.status).toBe('running');
    expect(v.currentWave).toBe(1);
    expect(v.devices.map((d) => [d.wave, d.state])).toEqual([
      [0, 'healthy'],
      [1, 'verifying'],
      [1, 'rolled_back'],
      [1, 'assigned'],
      [1, 'assigned'],
      [2, 'pending'],
      [2, 'pending'],
      [2, 'pending'],
      [2, 'pending'],
      [2, 'pending'],
    ]);
    expect(v.devices[2]!.reason).toBe('probe failed');
  });

  it('shows a device that is no longer a live target as excluded', () => {
    const v = view([...created(s), excluded(order[3]!), ...waveStarted(0, [canary])]);
    expect(v.devices[3]).toEqual({ deviceId: order[3], wave: 1, state: 'excluded' });
  });

  it('prefers the recorded outcome over a report', () => {
    const v = view(
      [...created(s), ...waveStarted(0, [canary]), outcome(canary, 'rolled_back', 'probe failed')],
      [{ deviceId: canary, state: 'applying' }],
    );
    expect(v.devices[0]).toEqual({ deviceId: canary, wave: 0, state: 'rolled_back', reason: 'probe failed' });
  });

  it('names the wave waiting for approval, the halt reason, the abort mode and the outcome', () => {
    const base = [...created(s), ...waveStarted(0, [canary]), outcome(canary, 'healthy')];
    expect(view([...base, awaiting(1)])).toMatchObject({ status: 'awaiting-approval', currentWave: 1 });
    expect(view([...base, halted('maintenance', false)])).toMatchObject({ status: 'halted', haltReason: 'maintenance' });
    expect(view([...base, aborted('revert')])).toMatchObject({ status: 'aborted', abortMode: 'revert', finishedAt: at });
    const one = strategy([[100, 'auto']]);
    expect(view([...created(one, ['d-00']), ...waveStarted(0, ['d-00']), outcome('d-00', 'healthy'), finished('succeeded')])).toMatchObject(
      { status: 'succeeded', finishedAt: at, devices: [{ deviceId: 'd-00', wave: 0, state: 'healthy' }] },
    );
  });
});
