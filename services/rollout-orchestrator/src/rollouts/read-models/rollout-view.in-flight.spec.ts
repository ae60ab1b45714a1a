import { orchestrator } from '@keelson/requests';
import { fold } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { noted, plus, timedOut } from '../../test-fixtures/in-flight-history.js';
import { aborted, created, outcome, rolloutId, strategy, tenDevices, waveStarted } from '../../test-fixtures/rollout-history.js';
import { rolloutDecider, type LiveRollout } from '../domain/rollout.decider.js';
import { rolloutView } from './rollout-view.js';
import { orderDevices } from '../domain/wave-plan.js';
import type { RevertReport } from './wave-summary.js';

const order = orderDevices(rolloutId, tenDevices);
const s = strategy(
  [
    [10, 'auto'],
    [50, 'auto'],
    [100, 'manual'],
  ],
  3,
);
const view = (events: RolloutEvent[], reverts = new Map<string, RevertReport>()) =>
  orchestrator.RolloutView.parse(rolloutView(fold(rolloutDecider, events) as LiveRollout, new Map(), reverts));

describe('rollout view of devices in flight', () => {
  const wave1 = order.slice(1, 5);
  const history = [
    ...created(s),
    ...waveStarted(0, [order[0]!]),
    outcome(order[0]!, 'healthy'),
    ...waveStarted(1, wave1),
    timedOut(wave1[0]!, plus(1800)),
    outcome(wave1[1]!, 'rolled_back'),
    noted(wave1[2]!, false, 7),
  ];

  it('marks timed-out and unreachable devices', () => {
    const v = view(history);
    expect(v.devices[1]).toEqual({ deviceId: wave1[0], wave: 1, state: 'failed', reason: 'timeout', timedOut: true });
    expect(v.devices[3]).toEqual({ deviceId: wave1[2], wave: 1, state: 'assigned', unreachable: true });
    expect(v.devices[4]).toEqual({ deviceId: wave1[3], wave: 1, state: 'assigned' });
  });

  it('sums up each wave', () => {
    expect(view(history).waves).toEqual([
      {
        wave: 0,
        percent: 10,
        gate: 'auto',
        devices: 1,
        assigned: 1,
        inFlight: 0,
        healthy: 1,
        failed: 0,
        timedOut: 0,
        unreachable: 0,
        excluded: 0,
      },
      {
        wave: 1,
        percent: 50,
        gate: 'auto',
        devices: 4,
        assigned: 4,
        inFlight: 1,
        healthy: 0,
        failed: 2,
        timedOut: 1,
        unreachable: 1,
        excluded: 0,
      },
      {
        wave: 2,
        percent: 100,
        gate: 'manual',
        devices: 5,
        assigned: 0,
        inFlight: 0,
        healthy: 0,
        failed: 0,
        timedOut: 0,
        unreachable: 0,
        excluded: 0,
      },
    ]);
  });

  it("shows each assigned device's revert after an abort with revert, assigned until it reports", () => {
    const v = view(
      [...history, aborted('revert')],
      new Map([
        [order[0]!, { state: 'healthy' }],
        [wave1[3]!, { state: 'applying' }],
      ]),
    );
    expect(v.devices.slice(0, 5).map((d) => d.revert)).toEqual([
      { state: 'healthy' },
      { state: 'assigned' },
      { state: 'assigned' },
      { state: 'assigned' },
      { state: 'applying' },
    ]);
    expect(v.devices.slice(5).every((d) => d.revert === undefined)).toBe(true);
    expect(view([...history, aborted('keep')]).devices.every((d) => d.revert === undefined)).toBe(true);
  });
});
