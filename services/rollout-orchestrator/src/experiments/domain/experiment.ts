import type { ExperimentCreated, ExperimentDecided, ExperimentEvent } from '@keelson/events';

/** What an experiment was created with and what it has started since. */
export interface ExperimentFacts {
  created: ExperimentCreated['data'];
  candidateDeviceIds: string[];
  controlDeviceIds: string[];
  untouchedCount: number;
  rollouts: { candidate?: string; followUp?: string; revert?: string };
  decision?: Omit<ExperimentDecided['data'], 'fleet' | 'experimentId'>;
  stopReason?: string;
}

/**
 * An experiment (`ev.experiment.<fleet>.<experimentId>`): `running` until a verdict; `inconclusive`
 * (the budget ran out) still waits for a person; `promoted`, `aborted` and `stopped` are final, and
 * `settled` once what they asked for (channel, follow-up, revert) is done.
 */
export type Experiment =
  | { status: 'absent' }
  | { status: 'running' | 'inconclusive'; facts: ExperimentFacts }
  | { status: 'promoted' | 'aborted' | 'stopped'; facts: ExperimentFacts; settled: boolean };

export type LiveExperiment = Exclude<Experiment, { status: 'absent' }>;

export const initialExperiment = (): Experiment => ({ status: 'absent' });

const endedStatus = { promote: 'promoted', abort: 'aborted' } as const;

export function evolveExperiment(state: Experiment, event: ExperimentEvent): Experiment {
  if (event.type === 'ExperimentCreated') {
    return {
      status: 'running',
      facts: { created: event.data, candidateDeviceIds: [], controlDeviceIds: [], untouchedCount: 0, rollouts: {} },
    };
  }
  if (state.status === 'absent') return state;
  const facts = state.facts;
  switch (event.type) {
    case 'ExperimentArmsAssigned': {
      const { candidateDeviceIds, controlDeviceIds, untouchedCount } = event.data;
      return { ...state, facts: { ...facts, candidateDeviceIds, controlDeviceIds, untouchedCount } };
    }
    case 'ExperimentRolloutStarted': {
      const key = event.data.arm === 'follow-up' ? 'followUp' : event.data.arm;
      return { ...state, facts: { ...facts, rollouts: { ...facts.rollouts, [key]: event.data.rolloutId } } };
    }
    case 'ExperimentDecided': {
      const { fleet: _f, experimentId: _e, ...decision } = event.data;
      const next = { ...facts, decision };
      if (decision.outcome === 'inconclusive') return { status: 'inconclusive', facts: next };
      return { status: endedStatus[decision.outcome], facts: next, settled: false };
    }
    case 'ExperimentStopped':
      return { status: 'stopped', facts: { ...facts, stopReason: event.data.reason }, settled: false };
    case 'ExperimentSettled':
      return state.status === 'promoted' || state.status === 'aborted' || state.status === 'stopped' ? { ...state, settled: true } : state;
    default:
      return state;
  }
}

/** Whether a verdict can still be given: running, or inconclusive and waiting for a person. */
export const isOpen = (s: Experiment): s is Extract<Experiment, { status: 'running' | 'inconclusive' }> =>
  s.status === 'running' || s.status === 'inconclusive';
