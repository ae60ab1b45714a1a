import type { orchestrator } from '@keelson/requests';
import type { ExperimentEvent } from '@keelson/events';
import { evolveExperimentView } from './experiment-view.js';

const fleet = 'plant-7';
const experimentId = 'x-0123456789ab';
const at = '2026-12-07T10:00:00.000Z';
const history: ExperimentEvent[] = [
  {
    type: 'ExperimentCreated',
    schemaVersion: 1,
    data: {
      fleet,
      experimentId,
      artifactName: 'yolo-v8n',
      candidate: '2.2.0',
      baseline: '2.1.0',
      groupId: 'g-1',
      split: 20,
      plan: { primary: 'confidence_mean:higher', guardrails: [], alpha: 0.05, minSamples: 100, maxDurationSeconds: 60 },
      probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 },
      strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
      onSuccess: { promote: 'stable' },
      createdAt: at,
    },
  },
  {
    type: 'ExperimentArmsAssigned',
    schemaVersion: 1,
    data: { fleet, experimentId, candidateDeviceIds: ['d-1'], controlDeviceIds: ['d-2'], untouchedCount: 3 },
  },
  { type: 'ExperimentRolloutStarted', schemaVersion: 1, data: { fleet, experimentId, arm: 'candidate', rolloutId: 'r-1', startedAt: at } },
];
const fold = (events: ExperimentEvent[]) => events.reduce<orchestrator.ExperimentView | null>(evolveExperimentView, null);

describe('the experiment view', () => {
  it('shows the plan, the arms and the arm rollout of a running experiment', () => {
    expect(fold(history)).toMatchObject({
      experimentId,
      status: 'running',
      settled: false,
      arms: { candidate: ['d-1'], control: ['d-2'], untouchedCount: 3 },
      rollouts: { candidate: 'r-1' },
    });
  });

  it('shows a verdict, then that it was carried out', () => {
    const decided: ExperimentEvent = {
      type: 'ExperimentDecided',
      schemaVersion: 1,
      data: { fleet, experimentId, outcome: 'inconclusive', decidedBy: 'automatic', reason: 'budget-reached', decidedAt: at },
    };
    expect(fold([...history, decided])).toMatchObject({ status: 'inconclusive', settled: false, decision: { decidedBy: 'automatic' } });
    const aborted: ExperimentEvent = {
      type: 'ExperimentDecided',
      schemaVersion: 1,
      data: { fleet, experimentId, outcome: 'abort', decidedBy: 'operator', reason: 'worse', decidedAt: at },
    };
    const settled: ExperimentEvent = { type: 'ExperimentSettled', schemaVersion: 1, data: { fleet, experimentId, settledAt: at } };
    expect(fold([...history, decided, aborted, settled])).toMatchObject({
      status: 'aborted',
      settled: true,
      decision: { outcome: 'abort', reason: 'worse' },
    });
  });

  it('has no row for events without their creation', () => {
    expect(fold(history.slice(1))).toBeNull();
  });
});
