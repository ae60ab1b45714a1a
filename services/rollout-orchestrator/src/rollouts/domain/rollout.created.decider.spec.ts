import { given, InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { approve, awaiting, createCommand, created, report, strategy, waveStarted } from '../../test-fixtures/rollout-history.js';
import { auto3, canary } from '../../test-fixtures/rollout-waves.js';
import { rolloutDecider } from './rollout.decider.js';

describe('rollout aggregate: creation and waves', () => {
  describe('when created', () => {
    it('records its devices in a stable wave order and starts an auto first wave with the canary', () => {
      given(rolloutDecider, [])
        .when(createCommand(auto3))
        .then([...created(auto3), ...waveStarted(0, [canary])]);
    });

    it('waits for approval when the first wave has a manual gate', () => {
      const s = strategy([
        [10, 'manual'],
        [100, 'auto'],
      ]);
      given(rolloutDecider, [])
        .when(createCommand(s))
        .then([...created(s), awaiting(0)]);
    });

    it('refuses to be created twice', () => {
      given(rolloutDecider, [...created(auto3)])
        .when(createCommand(auto3))
        .thenThrows(RuleViolation, 'rollout.exists');
    });

    it('refuses a group without devices', () => {
      given(rolloutDecider, []).when(createCommand(auto3, [])).thenThrows(InvalidInput, 'group.empty');
    });

    it('does not know commands for a rollout that was never created', () => {
      given(rolloutDecider, []).when(approve()).thenThrows(NotFound, 'rollout.not-found');
      given(rolloutDecider, []).when(report(canary, 'healthy')).thenThrows(NotFound, 'rollout.not-found');
    });
  });
});
