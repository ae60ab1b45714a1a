import { given, RuleViolation } from '@keelson/domain-kit';
import { created, decide, decided } from '../../test-fixtures/experiment-history.js';
import { experimentDecider } from './experiment.decide.js';

describe('an experiment', () => {
  describe('when a person decides', () => {
    it('promotes once the candidate arm succeeded', () => {
      given(experimentDecider, created)
        .when(decide('promote', 'operator', 'succeeded'))
        .then([decided('promote')]);
    });
    it.each(['running', 'halted', 'failed'])('refuses to promote while the arm rollout is %s', (status) => {
      given(experimentDecider, created)
        .when(decide('promote', 'operator', status))
        .thenThrows(RuleViolation, 'experiment.arm-not-succeeded');
    });
    it('aborts whatever the arm did', () => {
      given(experimentDecider, created)
        .when(decide('abort', 'operator', 'running'))
        .then([decided('abort')]);
    });
    it('still decides an inconclusive experiment', () => {
      given(experimentDecider, [...created, decided('inconclusive', 'automatic')])
        .when(decide('abort', 'operator'))
        .then([decided('abort')]);
    });
    it('treats the same verdict again as done, and refuses the other one', () => {
      given(experimentDecider, [...created, decided('abort')])
        .when(decide('abort', 'operator'))
        .then([]);
      given(experimentDecider, [...created, decided('abort')])
        .when(decide('promote', 'operator', 'succeeded'))
        .thenThrows(RuleViolation, 'experiment.ended');
    });
  });

  describe('when the decision loop decides', () => {
    it('ends a running experiment inconclusive', () => {
      given(experimentDecider, created)
        .when(decide('inconclusive', 'automatic'))
        .then([decided('inconclusive', 'automatic')]);
    });
    it('leaves an inconclusive or ended experiment to people', () => {
      given(experimentDecider, [...created, decided('inconclusive', 'automatic')])
        .when(decide('abort', 'automatic'))
        .then([]);
      given(experimentDecider, [...created, decided('promote')])
        .when(decide('abort', 'automatic'))
        .then([]);
    });
  });
});
