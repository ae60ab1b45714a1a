import { given, InvalidInput, RuleViolation } from '@keelson/domain-kit';
import type { ExperimentEvent } from '@keelson/events';
import { at, create, created, decided, experimentId, fleet, plan, type Create } from '../../test-fixtures/experiment-history.js';
import { experimentDecider, type ExperimentCommand } from './experiment.decide.js';

describe('an experiment', () => {
  describe('when it is created', () => {
    it('records the plan and the arms in one decision', () => {
      given(experimentDecider, []).when(create()).then(created);
    });
    it.each<[string, Partial<Create>, string]>([
      ['versions of two artifacts', { baselineName: 'yolo-v8s' }, 'experiment.different-artifacts'],
      ['the same version twice', { baseline: '2.2.0' }, 'experiment.same-version'],
      ['a split above 50', { split: 51 }, 'experiment.bad-split'],
      ['a split of 0', { split: 0 }, 'experiment.bad-split'],
      ['a primary metric without a direction', { plan: { ...plan, primary: 'confidence_mean' } }, 'experiment.bad-primary'],
      ['a guardrail it cannot parse', { plan: { ...plan, guardrails: ['latency_p95_ms:max-10%'] } }, 'experiment.bad-guardrail'],
      ['too few samples to promote on', { plan: { ...plan, minSamples: 1 } }, 'experiment.bad-plan'],
      ['a group too small for a control arm', { arms: { candidate: ['d-1'], control: [], untouched: 0 } }, 'experiment.group-too-small'],
      [
        'an arm too large for one event',
        { arms: { candidate: Array.from({ length: 5001 }, (_, i) => `d-${i}`), control: ['c-1'], untouched: 0 } },
        'experiment.arm-too-large',
      ],
    ])('refuses %s, recording nothing', (_, extra, code) => {
      given(experimentDecider, []).when(create(extra)).thenThrows(InvalidInput, code);
    });
    it('refuses an id that exists', () => {
      given(experimentDecider, created).when(create()).thenThrows(RuleViolation, 'experiment.exists');
    });
  });

  describe('when it is stopped or settled', () => {
    const stop: ExperimentCommand = { type: 'StopExperiment', fleet, experimentId, reason: 'plant closed', at };
    const settle: ExperimentCommand = { type: 'SettleExperiment', fleet, experimentId, at };
    it('stops an open experiment once', () => {
      const stopped: ExperimentEvent = {
        type: 'ExperimentStopped',
        schemaVersion: 1,
        data: { fleet, experimentId, reason: 'plant closed', stoppedAt: at },
      };
      given(experimentDecider, created).when(stop).then([stopped]);
      given(experimentDecider, [...created, stopped])
        .when(stop)
        .then([]);
    });
    it('refuses to stop a decided experiment', () => {
      given(experimentDecider, [...created, decided('promote')])
        .when(stop)
        .thenThrows(RuleViolation, 'experiment.ended');
    });
    it('settles an ended experiment once, and an open one never', () => {
      const settled: ExperimentEvent = { type: 'ExperimentSettled', schemaVersion: 1, data: { fleet, experimentId, settledAt: at } };
      given(experimentDecider, created).when(settle).then([]);
      given(experimentDecider, [...created, decided('abort')])
        .when(settle)
        .then([settled]);
      given(experimentDecider, [...created, decided('abort'), settled])
        .when(settle)
        .then([]);
    });
    it('records each rollout once per arm', () => {
      const record = (rolloutId: string): ExperimentCommand => ({
        type: 'RecordExperimentRollout',
        fleet,
        experimentId,
        arm: 'candidate',
        rolloutId,
        at,
      });
      const started: ExperimentEvent = {
        type: 'ExperimentRolloutStarted',
        schemaVersion: 1,
        data: { fleet, experimentId, arm: 'candidate', rolloutId: 'r-1', startedAt: at },
      };
      given(experimentDecider, created).when(record('r-1')).then([started]);
      given(experimentDecider, [...created, started])
        .when(record('r-1'))
        .then([]);
      given(experimentDecider, [...created, started])
        .when(record('r-2'))
        .thenThrows(RuleViolation, 'experiment.rollout-recorded');
    });
  });
});
