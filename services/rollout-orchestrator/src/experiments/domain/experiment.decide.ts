import { InvalidInput, RuleViolation, assertNever, type Decider } from '@keelson/domain-kit';
import { maxArmDevices, type ExperimentCreated, type ExperimentEvent } from '@keelson/events';
import { checkPlan, parseGuardrail, parsePrimary } from '@keelson/experiment-stats';
import { evolveExperiment, initialExperiment, isOpen, type Experiment } from './experiment.js';

type Ref = { fleet: string; experimentId: string; at: string };
type Created = Omit<ExperimentCreated['data'], 'fleet' | 'experimentId' | 'createdAt' | 'artifactName'>;

export type ExperimentCommand =
  | (Ref & {
      type: 'CreateExperiment';
      candidateName: string;
      baselineName: string;
      arms: { candidate: string[]; control: string[]; untouched: number };
    } & Created)
  | (Ref & { type: 'RecordExperimentRollout'; arm: 'candidate' | 'follow-up' | 'revert'; rolloutId: string })
  | (Ref & {
      type: 'DecideExperiment';
      outcome: 'promote' | 'abort' | 'inconclusive';
      decidedBy: 'operator' | 'automatic';
      reason: string;
      evidence?: Record<string, unknown>;
      candidateRolloutStatus?: string;
    })
  | (Ref & { type: 'StopExperiment'; reason: string })
  | (Ref & { type: 'SettleExperiment' });

const invalid = (code: string, path: string, message: string) => new InvalidInput(code, [{ path: [path], message }]);

/** The rules of a new experiment that need no I/O: arms, names, versions and the statistical plan. */
function create(c: Extract<ExperimentCommand, { type: 'CreateExperiment' }>, state: Experiment): ExperimentEvent[] {
  if (state.status !== 'absent') throw new RuleViolation('experiment.exists', `experiment '${c.experimentId}' exists`);
  if (c.candidateName !== c.baselineName) {
    throw invalid(
      'experiment.different-artifacts',
      'baseline',
      `candidate ${c.candidateName} and baseline ${c.baselineName} must be versions of one artifact`,
    );
  }
  if (c.candidate === c.baseline) throw invalid('experiment.same-version', 'baseline', `candidate and baseline are both ${c.candidate}`);
  if (!Number.isInteger(c.split) || c.split < 1 || c.split > 50)
    throw invalid('experiment.bad-split', 'split', `split is a whole percent from 1 to 50, got ${c.split}`);
  if (c.arms.candidate.length === 0 || c.arms.control.length === 0) {
    throw invalid('experiment.group-too-small', 'groupId', `group '${c.groupId}' is too small for a candidate and a control arm`);
  }
  // An arm is recorded in one event, which must stay bounded (and a rollout names at most 10,000 devices).
  if (c.arms.candidate.length > maxArmDevices || c.arms.control.length > maxArmDevices) {
    throw invalid(
      'experiment.arm-too-large',
      'split',
      `an arm holds at most ${maxArmDevices} devices; lower the split or use a smaller group`,
    );
  }
  const { plan } = c;
  checkPlan({
    primary: parsePrimary(plan.primary),
    guardrails: plan.guardrails.map(parseGuardrail),
    alpha: plan.alpha,
    minSamples: plan.minSamples,
    maxDurationMs: plan.maxDurationSeconds * 1000,
  });
  const { fleet, experimentId, at } = c;
  const { candidateName: artifactName, candidate, baseline, groupId, split, probe, strategy, onSuccess } = c;
  return [
    {
      type: 'ExperimentCreated',
      schemaVersion: 1,
      data: { fleet, experimentId, artifactName, candidate, baseline, groupId, split, plan, probe, strategy, onSuccess, createdAt: at },
    },
    {
      type: 'ExperimentArmsAssigned',
      schemaVersion: 1,
      data: {
        fleet,
        experimentId,
        candidateDeviceIds: c.arms.candidate,
        controlDeviceIds: c.arms.control,
        untouchedCount: c.arms.untouched,
      },
    },
  ];
}

function decideVerdict(c: Extract<ExperimentCommand, { type: 'DecideExperiment' }>, state: Experiment): ExperimentEvent[] {
  if (state.status === 'absent') return [];
  const ended = (state.status === 'promoted' && c.outcome === 'promote') || (state.status === 'aborted' && c.outcome === 'abort');
  if (ended && c.decidedBy === 'operator') return []; // the same verdict again: nothing new
  // The loop judges a running experiment only; once inconclusive or ended, the word is a person's.
  if (c.decidedBy === 'automatic' && state.status !== 'running') return [];
  if (!isOpen(state)) throw new RuleViolation('experiment.ended', `experiment '${c.experimentId}' is ${state.status}`);
  if (c.outcome === 'inconclusive' && c.decidedBy === 'operator')
    throw invalid('experiment.bad-outcome', 'outcome', 'a person decides promote or abort');
  // As with a channel promotion: the candidate must have reached its arm before it is promoted.
  if (c.outcome === 'promote' && c.candidateRolloutStatus !== 'succeeded') {
    throw new RuleViolation(
      'experiment.arm-not-succeeded',
      `the candidate arm's rollout is ${c.candidateRolloutStatus ?? 'not started'}; promote once it succeeded`,
    );
  }
  const { fleet, experimentId, outcome, decidedBy, reason, evidence, at } = c;
  return [
    {
      type: 'ExperimentDecided',
      schemaVersion: 1,
      data: { fleet, experimentId, outcome, decidedBy, reason, ...(evidence ? { evidence } : {}), decidedAt: at },
    },
  ];
}

function decide(c: ExperimentCommand, state: Experiment): ExperimentEvent[] {
  const { fleet, experimentId, at } = c;
  switch (c.type) {
    case 'CreateExperiment':
      return create(c, state);
    case 'RecordExperimentRollout': {
      if (state.status === 'absent') return [];
      const recorded = state.facts.rollouts[c.arm === 'follow-up' ? 'followUp' : c.arm];
      if (recorded === c.rolloutId) return [];
      if (recorded) throw new RuleViolation('experiment.rollout-recorded', `the ${c.arm} rollout of '${experimentId}' is '${recorded}'`);
      return [
        {
          type: 'ExperimentRolloutStarted',
          schemaVersion: 1,
          data: { fleet, experimentId, arm: c.arm, rolloutId: c.rolloutId, startedAt: at },
        },
      ];
    }
    case 'DecideExperiment':
      return decideVerdict(c, state);
    case 'StopExperiment':
      if (state.status === 'absent' || state.status === 'stopped') return [];
      if (!isOpen(state)) throw new RuleViolation('experiment.ended', `experiment '${experimentId}' is ${state.status}`);
      return [{ type: 'ExperimentStopped', schemaVersion: 1, data: { fleet, experimentId, reason: c.reason, stoppedAt: at } }];
    case 'SettleExperiment':
      if (state.status === 'absent' || isOpen(state) || state.settled) return [];
      return [{ type: 'ExperimentSettled', schemaVersion: 1, data: { fleet, experimentId, settledAt: at } }];
    default:
      return assertNever(c, 'experiment command');
  }
}

/** The experiment aggregate. */
export const experimentDecider: Decider<ExperimentCommand, ExperimentEvent, Experiment> = {
  initialState: initialExperiment,
  decide,
  evolve: evolveExperiment,
};
