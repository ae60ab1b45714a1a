import { given } from '@keelson/domain-kit';
import { finishedAt, haltedAt, lateReport, plus, reportAt, timedOut, timeOut } from '../../test-fixtures/in-flight-history.js';
import { created, outcome, report, rolloutId, strategy, waveStarted } from '../../test-fixtures/rollout-history.js';
import { canary, order, tripped, wave0, wave1, withTimeout } from '../../test-fixtures/rollout-waves.js';
import { rolloutDecider } from './rollout.decider.js';
import { orderDevices } from './wave-plan.js';

const tolerant = withTimeout(
  strategy(
    [
      [10, 'auto'],
      [50, 'auto'],
      [100, 'auto'],
    ],
    1,
  ),
);

describe('rollout aggregate: per-device timeout and reachability', () => {
  describe('the per-device timeout', () => {
    it('fails an assigned device that stays reachable past its timeout, with reason timeout, and the halt rule counts it', () => {
      given(rolloutDecider, wave0)
        .when(timeOut(canary, plus(600)))
        .then([timedOut(canary, plus(600)), haltedAt(tripped, plus(600))]);
    });

    it('goes on to the next wave when the halt rule tolerates the timed-out device', () => {
      given(rolloutDecider, [...created(tolerant), ...waveStarted(0, [canary])])
        .when(timeOut(canary, plus(601)))
        .then([timedOut(canary, plus(600), plus(601)), ...waveStarted(1, wave1, plus(601))]);
    });

    it('does nothing before the deadline, and nothing twice', () => {
      given(rolloutDecider, wave0)
        .when(timeOut(canary, plus(599)))
        .then([]);
      given(rolloutDecider, [...wave0, timedOut(canary, plus(600)), haltedAt(tripped, plus(600))])
        .when(timeOut(canary, plus(900)))
        .then([]);
    });

    it('does not time out a device that already ended, or one never assigned', () => {
      given(rolloutDecider, [...wave0, outcome(canary, 'healthy'), ...waveStarted(1, wave1)])
        .when(timeOut(canary, plus(900)))
        .then([]);
      given(rolloutDecider, wave0)
        .when(timeOut(order[9]!, plus(900)))
        .then([]);
    });

    it('waits 30 minutes when the strategy sets no timeout', () => {
      const history = [
        ...created(
          strategy([
            [10, 'auto'],
            [100, 'auto'],
          ]),
        ),
        ...waveStarted(0, [canary]),
      ];
      given(rolloutDecider, history)
        .when(timeOut(canary, plus(1799)))
        .then([]);
      given(rolloutDecider, history)
        .when(timeOut(canary, plus(1800)))
        .then([timedOut(canary, plus(1800)), haltedAt(tripped, plus(1800))]);
    });

    it('records a late report once, and the outcome stays failed', () => {
      const history = [...created(tolerant), ...waveStarted(0, [canary]), timedOut(canary, plus(600)), ...waveStarted(1, wave1, plus(600))];
      given(rolloutDecider, history)
        .when(reportAt(canary, 'healthy', plus(700)))
        .then([lateReport(canary, 'healthy', plus(700))]);
      given(rolloutDecider, [...history, lateReport(canary, 'healthy', plus(700))])
        .when(report(canary, 'healthy'))
        .then([]);
    });

    it('counts a timed-out device as failed when the rollout finishes', () => {
      const s = withTimeout(strategy([[100, 'auto']], 1));
      const two = orderDevices(rolloutId, ['d-00', 'd-01']);
      const history = [...created(s, ['d-00', 'd-01']), ...waveStarted(0, two), outcome(two[0]!, 'healthy')];
      given(rolloutDecider, history)
        .when(timeOut(two[1]!, plus(600)))
        .then([timedOut(two[1]!, plus(600)), finishedAt('failed', plus(600))]);
    });
  });
});
