import { given, InvalidInput, RuleViolation } from '@keelson/domain-kit';
import type { ExperimentEvent } from '@keelson/events';
import { experimentDecider, type ExperimentCommand } from './experiment.decide.js';

const fleet = 'plant-7';
const experimentId = 'x-0123456789ab';
const at = '2026-12-07T10:00:00.000Z';
const probe = { kind: 'file' as const, path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 };
const strategy = { waves: [{ percent: 100, gate: 'auto' as const }], maxFailures: 0 };
const plan = {
  primary: 'confidence_mean:higher',
  guardrails: ['latency_p95_ms:max+10%'],
  alpha: 0.05,
  minSamples: 100,
  maxDurationSeconds: 7200,
};

type Create = Extract<ExperimentCommand, { type: 'CreateExperiment' }>;
const create = (extra: Partial<Create> = {}): Create => ({
  type: 'CreateExperiment',
  fleet,
  experimentId,
  at,
  candidateName: 'yolo-v8n',
  baselineName: 'yolo-v8n',
  candidate: '2.2.0',
  baseline: '2.1.0',
  groupId: 'g-plant-7',
  split: 20,
  plan,
  probe,
  strategy,
  onSuccess: { promote: 'stable' },
  arms: { candidate: ['d-1', 'd-2'], control: ['d-3', 'd-4'], untouched: 6 },
  ...extra,
});
const created: ExperimentEvent[] = [
  {
    type: 'ExperimentCreated',
    schemaVersion: 1,
    data: {
      fleet,
      experimentId,
      artifactName: 'yolo-v8n',
      candidate: '2.2.0',
      baseline: '2.1.0',
      groupId: 'g-plant-7',
      split: 20,
      plan,
      probe,
      strategy,
      onSuccess: { promote: 'stable' },
      createdAt: at,
    },
  },
  {
    type: 'ExperimentArmsAssigned',
    schemaVersion: 1,
    data: { fleet, experimentId, candidateDeviceIds: ['d-1', 'd-2'], controlDeviceIds: ['d-3', 'd-4'], untouchedCount: 6 },
  },
];
const decide = (
  outcome: 'promote' | 'abort' | 'inconclusive',
  decidedBy: 'operator' | 'automatic',
  candidateRolloutStatus?: string,
): ExperimentCommand => ({
  type: 'DecideExperiment',
  fleet,
  experimentId,
  outcome,
  decidedBy,
  reason: 'the canary looks good',
  at,
  ...(candidateRolloutStatus ? { candidateRolloutStatus } : {}),
});
const decided = (outcome: 'promote' | 'abort' | 'inconclusive', decidedBy: 'operator' | 'automatic' = 'operator'): ExperimentEvent => ({
  type: 'ExperimentDecided',
  schemaVersion: 1,
  data: { fleet, experimentId, outcome, decidedBy, reason: 'the canary looks good', decidedAt: at },
});

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
