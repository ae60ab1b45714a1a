import type { ExperimentEvent } from '@keelson/events';
import type { ExperimentCommand } from '../experiments/domain/experiment.decide.js';

// One A/B experiment of yolo-v8n 2.2.0 against 2.1.0: the commands the experiment decider specs send and the events they expect.
export const fleet = 'plant-7';
export const experimentId = 'x-0123456789ab';
export const at = '2026-12-07T10:00:00.000Z';
const probe = { kind: 'file' as const, path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 };
const strategy = { waves: [{ percent: 100, gate: 'auto' as const }], maxFailures: 0 };
export const plan = {
  primary: 'confidence_mean:higher',
  guardrails: ['latency_p95_ms:max+10%'],
  alpha: 0.05,
  minSamples: 100,
  maxDurationSeconds: 7200,
};

export type Create = Extract<ExperimentCommand, { type: 'CreateExperiment' }>;
export const create = (extra: Partial<Create> = {}): Create => ({
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
export const created: ExperimentEvent[] = [
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
export const decide = (
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
export const decided = (
  outcome: 'promote' | 'abort' | 'inconclusive',
  decidedBy: 'operator' | 'automatic' = 'operator',
): ExperimentEvent => ({
  type: 'ExperimentDecided',
  schemaVersion: 1,
  data: { fleet, experimentId, outcome, decidedBy, reason: 'the canary looks good', decidedAt: at },
});
