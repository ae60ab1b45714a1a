import { DomainError } from '@keelson/domain-kit';
import type { DeviceState } from '@keelson/events';
import { RandomRolloutCommands, seeded } from '../../test-fixtures/random-rollout-commands.js';
import { referenceRolloutView } from '../../test-fixtures/reference-rollout/rollout-view.js';
import { assignedDevices, rolloutDecider, type LiveRollout, type Rollout, type RolloutCommand } from '../domain/rollout.decider.js';
import { rolloutView, type DeviceProgress } from './rollout-view.js';
import type { RevertReport } from './wave-summary.js';

const reports: DeviceState[] = ['downloading', 'verifying', 'healthy', 'rolled_back'];

/** The state after `command`, or the same state when the decider refuses it. */
function after(state: Rollout, command: RolloutCommand): Rollout {
  try {
    return rolloutDecider.decideAndEvolve!(command, state).state;
  } catch (err) {
    if (err instanceof DomainError) return state;
    throw err;
  }
}

/** Random install and revert reports about some of the devices, as the read models hold them. */
function randomReports(random: () => number, deviceIds: readonly string[]) {
  const progress = new Map<string, DeviceProgress>();
  const reverts = new Map<string, RevertReport>();
  for (const deviceId of deviceIds) {
    if (random() < 0.3)
      progress.set(deviceId, {
        deviceId,
        state: reports[Math.floor(random() * reports.length)]!,
        ...(random() < 0.3 ? { reason: 'r' } : {}),
      });
    if (random() < 0.2) reverts.set(deviceId, { state: random() < 0.5 ? 'healthy' : 'failed' });
  }
  return { progress, reverts };
}

function expectSameView(state: Rollout, random: () => number): void {
  if (state.status === 'absent') return;
  const { progress, reverts } = randomReports(random, state.facts.deviceIds);
  expect(rolloutView(state, progress, reverts)).toEqual(referenceRolloutView(state, progress, reverts));
}

describe('the rollout view counted from the ledger', () => {
  it('equals the view that visited every device, over random histories (waves, gates, outcomes, timeouts, exclusions, reachability, aborts)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const random = seeded(seed);
      const commands = new RandomRolloutCommands(random, 1 + Math.floor(random() * 60));
      let state = after(rolloutDecider.initialState(), commands.create(commands.strategy()));
      expectSameView(state, random);
      for (let i = 0; i < 200; i++) {
        state = after(state, commands.next(state.status === 'absent' ? [] : assignedDevices(state.facts)));
        if (i % 5 === 0) expectSameView(state, random);
      }
      expectSameView(state, random);
    }
  });

  it('equals it for a rollout larger than a view lists (3,000 devices: the waves count all, the list shows the first 1,000)', () => {
    const random = seeded(42);
    const commands = new RandomRolloutCommands(random, 3000);
    const strategy = {
      waves: [
        { percent: 5, gate: 'auto' as const },
        { percent: 40, gate: 'auto' as const },
        { percent: 100, gate: 'auto' as const },
      ],
      maxFailures: 3000,
    };
    let state = after(rolloutDecider.initialState(), commands.create(strategy));
    for (let i = 0; i < 3000; i++) state = after(state, commands.next(assignedDevices((state as LiveRollout).facts)));
    const view = rolloutView(state as LiveRollout, new Map());
    expect(view.devices).toHaveLength(1000);
    expect((view.waves ?? []).reduce((n, w) => n + w.devices, 0)).toBe(3000);
    expect((view.waves ?? []).reduce((n, w) => n + w.assigned, 0)).toBeGreaterThanOrEqual(150);
    expectSameView(state, random);
  });
});
