import { given } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { note, noted, plus } from '../../test-fixtures/in-flight-history.js';
import { created, excluded, outcome, ref, rolloutId, strategy, tenDevices, waveStarted } from '../../test-fixtures/rollout-history.js';
import type { RolloutCommand } from './rollout.decider.js';
import { rolloutDecider } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

const order = orderDevices(rolloutId, tenDevices);
const [canary, second] = order as [string, string];
const s = {
  ...strategy([
    [20, 'auto'],
    [100, 'auto'],
  ]),
  deviceTimeoutSeconds: 600,
};
const abortAt = plus(100);
const abortedAt = (mode: 'keep' | 'revert'): RolloutEvent => ({
  type: 'RolloutAborted',
  schemaVersion: 1,
  data: { ...ref, mode, abortedAt: abortAt },
});
const timeOutRevert = (deviceId: string, when: string): RolloutCommand => ({ type: 'TimeOutRevert', ...ref, at: when, deviceId });
const revertTimedOut = (deviceId: string, deadline: string, timedOutAt = deadline): RolloutEvent => ({
  type: 'DeviceRevertTimedOut',
  schemaVersion: 1,
  data: { ...ref, deviceId, assignmentId: `${rolloutId}-${deviceId}-r`, deadline, timedOutAt },
});
const wave0 = [...created(s), ...waveStarted(0, [canary, second])];
const reverting = [...wave0, outcome(canary, 'healthy'), abortedAt('revert')];

describe('rollout aggregate: the timeout of a revert', () => {
  it('fails the revert of a device that stays reachable for the per-device timeout after the abort', () => {
    given(rolloutDecider, reverting)
      .when(timeOutRevert(canary, plus(700)))
      .then([revertTimedOut(canary, plus(700))]);
    given(rolloutDecider, reverting)
      .when(timeOutRevert(second, plus(705)))
      .then([revertTimedOut(second, plus(700), plus(705))]);
  });

  it('counts from the abort, not from the install: nothing before the deadline, and nothing twice', () => {
    given(rolloutDecider, reverting)
      .when(timeOutRevert(canary, plus(699)))
      .then([]);
    given(rolloutDecider, [...reverting, revertTimedOut(canary, plus(700))])
      .when(timeOutRevert(canary, plus(900)))
      .then([]);
  });

  it('stops the clock while the device is unreachable and adds the time it was reachable', () => {
    const silent = [...reverting, noted(canary, false, 4, plus(400))];
    given(rolloutDecider, reverting)
      .when(note(canary, false, 4, plus(400)))
      .then([noted(canary, false, 4, plus(400))]);
    given(rolloutDecider, silent)
      .when(timeOutRevert(canary, plus(5000)))
      .then([]);
    const back = [...silent, noted(canary, true, 7, plus(1000))];
    given(rolloutDecider, back)
      .when(timeOutRevert(canary, plus(1299)))
      .then([]);
    given(rolloutDecider, back)
      .when(timeOutRevert(canary, plus(1300)))
      .then([revertTimedOut(canary, plus(1300))]);
  });

  it('starts the clock of a device unreachable at the abort once it returns', () => {
    const history = [...wave0, noted(second, false, 3, plus(50)), abortedAt('revert')];
    given(rolloutDecider, history)
      .when(timeOutRevert(second, plus(5000)))
      .then([]);
    given(rolloutDecider, [...history, noted(second, true, 9, plus(6000))])
      .when(timeOutRevert(second, plus(6600)))
      .then([revertTimedOut(second, plus(6600))]);
  });

  it('times out no revert after an abort that keeps, nor one of a device never assigned or excluded', () => {
    given(rolloutDecider, [...wave0, abortedAt('keep')])
      .when(timeOutRevert(canary, plus(5000)))
      .then([]);
    given(rolloutDecider, reverting)
      .when(timeOutRevert(order[9]!, plus(5000)))
      .then([]);
    given(rolloutDecider, [...wave0, excluded(second), abortedAt('revert')])
      .when(timeOutRevert(second, plus(5000)))
      .then([]);
  });

  it('does not time out a revert of a rollout still under way (that is the update timeout)', () => {
    given(rolloutDecider, wave0)
      .when(timeOutRevert(canary, plus(5000)))
      .then([]);
  });

  it('notes no reachability for a revert that timed out', () => {
    given(rolloutDecider, [...reverting, revertTimedOut(canary, plus(700))])
      .when(note(canary, false, 4, plus(800)))
      .then([]);
  });
});
