import type { orchestrator } from '@keelson/requests';
import type { ExperimentEvent } from '@keelson/events';

type ExperimentView = orchestrator.ExperimentView;

const endedStatus = { promote: 'promoted', abort: 'aborted', inconclusive: 'inconclusive' } as const;

/**
 * The experiment as operators see it, one event at a time: the read model's row and, folded over the
 * aggregate's own events, the answer to a command (read-your-writes). Total: an event before the
 * creation (none is ever written) leaves no view.
 */
export function evolveExperimentView(view: ExperimentView | null, event: ExperimentEvent): ExperimentView | null {
  if (event.type === 'ExperimentCreated') {
    const { fleet, experimentId, artifactName, candidate, baseline, groupId, split, plan, onSuccess, createdAt } = event.data;
    return {
      fleet,
      experimentId,
      artifactName,
      candidate,
      baseline,
      groupId,
      split,
      plan,
      onSuccess,
      createdAt,
      status: 'running',
      settled: false,
      arms: { candidate: [], control: [], untouchedCount: 0 },
      rollouts: {},
    };
  }
  if (!view) return null;
  switch (event.type) {
    case 'ExperimentArmsAssigned':
      return {
        ...view,
        arms: { candidate: event.data.candidateDeviceIds, control: event.data.controlDeviceIds, untouchedCount: event.data.untouchedCount },
      };
    case 'ExperimentRolloutStarted': {
      const key = event.data.arm === 'follow-up' ? 'followUp' : event.data.arm;
      return { ...view, rollouts: { ...view.rollouts, [key]: event.data.rolloutId } };
    }
    case 'ExperimentDecided': {
      const { outcome, decidedBy, reason, decidedAt, evidence } = event.data;
      return {
        ...view,
        status: endedStatus[outcome],
        decision: { outcome, decidedBy, reason, decidedAt, ...(evidence ? { evidence } : {}) },
      };
    }
    case 'ExperimentStopped':
      return { ...view, status: 'stopped', stopReason: event.data.reason };
    case 'ExperimentSettled':
      return { ...view, settled: true };
    default:
      return view;
  }
}
