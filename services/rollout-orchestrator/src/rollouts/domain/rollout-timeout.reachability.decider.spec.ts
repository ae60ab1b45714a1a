import { given } from '@keelson/domain-kit';
import { haltedAt, note, noted, plus, timedOut, timeOut } from '../../test-fixtures/in-flight-history.js';
import {
  approve,
  awaiting,
  created,
  finished,
  outcome,
  report,
  rolloutId,
  strategy,
  waveStarted,
} from '../../test-fixtures/rollout-history.js';
import { canary, order, tripped, wave0, wave1, withTimeout } from '../../test-fixtures/rollout-waves.js';
import { rolloutDecider } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

describe('rollout aggregate: per-device timeout and reachability', () => {
  describe('an unreachable device', () => {
    it('blocks no wave: the next wave starts once every reachable assigned device ended', () => {
      given(rolloutDecider, wave0)
        .when(note(canary, false, 5, plus(60)))
        .then([noted(canary, false, 5, plus(60)), ...waveStarted(1, wave1, plus(60))]);
    });

    it('blocks no gate: the rollout waits for the approval instead', () => {
      const s = withTimeout(
        strategy([
          [10, 'auto'],
          [50, 'manual'],
          [100, 'auto'],
        ]),
      );
      given(rolloutDecider, [...created(s), ...waveStarted(0, [canary])])
        .when(note(canary, false, 5))
        .then([noted(canary, false, 5), awaiting(1)]);
      given(rolloutDecider, [...created(s), ...waveStarted(0, [canary]), noted(canary, false, 5), awaiting(1)])
        .when(approve())
        .then([{ type: 'WaveApproved', schemaVersion: 1, data: { fleet: 'plant-7', rolloutId, wave: 1 } }, ...waveStarted(1, wave1)]);
    });

    it('keeps its assignment: its report after it returns is its outcome', () => {
      const history = [...wave0, noted(canary, false, 5), ...waveStarted(1, wave1), noted(canary, true, 8)];
      given(rolloutDecider, history)
        .when(report(canary, 'healthy'))
        .then([outcome(canary, 'healthy')]);
    });

    it('never times out while silent; back, its clock goes on with the time it already spent', () => {
      const silent = [...wave0, noted(canary, false, 5, plus(100)), ...waveStarted(1, wave1, plus(100))];
      given(rolloutDecider, silent)
        .when(timeOut(canary, plus(100_000)))
        .then([]);
      const back = [...silent, noted(canary, true, 9, plus(1000))];
      given(rolloutDecider, back)
        .when(timeOut(canary, plus(1499)))
        .then([]);
      given(rolloutDecider, back)
        .when(timeOut(canary, plus(1500)))
        .then([timedOut(canary, plus(1500)), haltedAt(tripped, plus(1500))]);
    });

    it('keeps the rollout from finishing until it ends', () => {
      const s = withTimeout(strategy([[100, 'auto']]));
      const two = orderDevices(rolloutId, ['d-00', 'd-01']);
      const history = [...created(s, ['d-00', 'd-01']), ...waveStarted(0, two), outcome(two[0]!, 'healthy'), noted(two[1]!, false, 3)];
      given(rolloutDecider, history)
        .when(timeOut(two[1]!, plus(5000)))
        .then([]);
      given(rolloutDecider, history)
        .when(report(two[1]!, 'healthy'))
        .then([outcome(two[1]!, 'healthy'), finished('succeeded')]);
    });

    it('ignores older or repeated news, and news about a device that ended or is not a target', () => {
      const history = [...wave0, noted(canary, false, 5), ...waveStarted(1, wave1)];
      given(rolloutDecider, history)
        .when(note(canary, true, 4))
        .then([]);
      given(rolloutDecider, history)
        .when(note(canary, false, 7))
        .then([]);
      given(rolloutDecider, [...history, outcome(canary, 'healthy')])
        .when(note(canary, true, 9))
        .then([]);
      given(rolloutDecider, history)
        .when(note('d-99', false, 9))
        .then([]);
    });

    it('keeps a first word that an assigned device is reachable, so older news cannot override it', () => {
      given(rolloutDecider, wave0)
        .when(note(canary, true, 7))
        .then([noted(canary, true, 7)]);
      given(rolloutDecider, [...wave0, noted(canary, true, 7)])
        .when(note(canary, false, 5))
        .then([]);
      given(rolloutDecider, wave0)
        .when(note(order[9]!, true, 7))
        .then([]); // not assigned yet: nothing to keep
    });

    it('is assigned with its clock stopped when it was known silent before its wave', () => {
      const history = [...wave0, noted(order[1]!, false, 2), outcome(canary, 'healthy'), ...waveStarted(1, wave1)];
      given(rolloutDecider, history)
        .when(timeOut(order[1]!, plus(100_000)))
        .then([]);
      given(rolloutDecider, history)
        .when(timeOut(order[2]!, plus(600)))
        .then([timedOut(order[2]!, plus(600)), haltedAt(tripped, plus(600))]);
    });
  });
});
