import { given, RuleViolation } from '@keelson/domain-kit';
import { approve, approved, awaiting, created, outcome, report, strategy, waveStarted } from '../../test-fixtures/rollout-history.js';
import { auto3, canary, manual2nd, order } from '../../test-fixtures/rollout-waves.js';
import { rolloutDecider } from './rollout.decider.js';

describe('rollout aggregate: creation and waves', () => {
  describe('at a manual gate', () => {
    const waiting = [...created(manual2nd), ...waveStarted(0, [canary]), outcome(canary, 'healthy'), awaiting(1)];

    it('waits for approval once the earlier waves are healthy', () => {
      given(rolloutDecider, [...created(manual2nd), ...waveStarted(0, [canary])])
        .when(report(canary, 'healthy'))
        .then([outcome(canary, 'healthy'), awaiting(1)]);
    });

    it('starts the wave when approved, named or not', () => {
      given(rolloutDecider, waiting)
        .when(approve())
        .then([approved(1), ...waveStarted(1, order.slice(1, 5))]);
      given(rolloutDecider, waiting)
        .when(approve(1))
        .then([approved(1), ...waveStarted(1, order.slice(1, 5))]);
    });

    it('treats approving a gate already opened, or a rollout that is not waiting, as a no-op', () => {
      given(rolloutDecider, waiting).when(approve(0)).then([]);
      given(rolloutDecider, [...waiting, approved(1), ...waveStarted(1, order.slice(1, 5))])
        .when(approve())
        .then([]);
      given(rolloutDecider, [...created(auto3), ...waveStarted(0, [canary])])
        .when(approve())
        .then([]);
    });

    it('refuses to approve a later wave than the one waiting', () => {
      given(rolloutDecider, waiting).when(approve(2)).thenThrows(RuleViolation, 'wave.not-awaiting-approval');
    });

    it('opens the gate of a manual first wave', () => {
      const s = strategy([
        [10, 'manual'],
        [100, 'auto'],
      ]);
      given(rolloutDecider, [...created(s), awaiting(0)])
        .when(approve())
        .then([approved(0), ...waveStarted(0, [canary])]);
    });
  });
});
