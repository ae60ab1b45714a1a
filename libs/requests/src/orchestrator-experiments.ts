import { z } from 'zod';
import {
  ArtifactName,
  ChannelName,
  DeviceIds,
  ExperimentPlanSpec,
  IsoTime,
  JsonObject,
  Probe,
  Reason,
  SemverLike,
  Strategy,
  SubjectToken,
} from '@keelson/events';
import { defineRequest, Page } from './kit.js';
import { ExperimentLook } from './orchestrator-experiment-look.js';

export const ExperimentStatus = z.enum(['running', 'inconclusive', 'promoted', 'aborted', 'stopped']);
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;

/** An experiment as operators see it: the plan, the arms, the rollouts it started and its verdict. */
export const ExperimentView = z.strictObject({
  fleet: SubjectToken,
  experimentId: SubjectToken,
  artifactName: ArtifactName,
  candidate: SemverLike,
  baseline: SemverLike,
  groupId: SubjectToken,
  split: z.number().int(),
  plan: ExperimentPlanSpec,
  onSuccess: z.strictObject({ promote: ChannelName.optional(), thenRollout: z.strictObject({ strategy: Strategy }).optional() }),
  status: ExperimentStatus,
  /** Whether what the verdict (or the stop) asked for is done. */
  settled: z.boolean(),
  arms: z.strictObject({ candidate: DeviceIds, control: DeviceIds, untouchedCount: z.number().int().min(0) }),
  rollouts: z.strictObject({ candidate: SubjectToken.optional(), followUp: SubjectToken.optional(), revert: SubjectToken.optional() }),
  decision: z
    .strictObject({
      outcome: z.enum(['promote', 'abort', 'inconclusive']),
      decidedBy: z.enum(['operator', 'automatic']),
      reason: Reason,
      decidedAt: IsoTime,
      evidence: JsonObject.optional(),
    })
    .optional(),
  stopReason: Reason.optional(),
  /** The evidence of the decision loop's latest look, while it runs and after its verdict. */
  lastLook: ExperimentLook.optional(),
  createdAt: IsoTime,
});
export type ExperimentView = z.infer<typeof ExperimentView>;

const ref = { fleet: SubjectToken, experimentId: SubjectToken };
const Version = z.strictObject({ name: ArtifactName, version: SemverLike });

/**
 * What creating an experiment takes. `split` % of the group's devices (at least one) get the
 * candidate through a rollout (`strategy`, `probe`), as many keep the baseline as the control arm.
 */
export const CreateExperimentInput = z.strictObject({
  fleet: SubjectToken,
  candidate: Version,
  baseline: Version,
  groupId: SubjectToken,
  split: z.number().int().min(1).max(50),
  primary: z.string().min(1).max(200),
  guardrails: z.array(z.string().min(1).max(200)).max(10).default([]),
  alpha: z.number().gt(0).max(0.5).default(0.05),
  minSamples: z.number().int().min(2).max(100_000_000),
  maxDurationSeconds: z
    .number()
    .int()
    .min(1)
    .max(90 * 86_400),
  probe: Probe,
  strategy: Strategy.default({ waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 }),
  onSuccess: z
    .strictObject({ promote: ChannelName.optional(), thenRollout: z.strictObject({ strategy: Strategy }).optional() })
    .default({}),
});

/**
 * Creates an experiment and starts its candidate arm's rollout. InvalidInput (`artifact.*`,
 * `group.*`, `experiment.*`), RuleViolation (`experiment.group-busy`) when the group is in another
 * active rollout or experiment: nothing is recorded then.
 */
export const createExperiment = defineRequest('orchestrator', 'create-experiment', CreateExperimentInput, ExperimentView);
export const getExperiment = defineRequest('orchestrator', 'get-experiment', z.strictObject(ref), ExperimentView);
export const listExperiments = defineRequest(
  'orchestrator',
  'list-experiments',
  z.strictObject({ fleet: SubjectToken, ...Page }),
  z.strictObject({ items: z.array(ExperimentView), nextCursor: z.string().optional() }),
);

/**
 * A person's verdict, audited with who (the actor) and why: `promote` moves the `onSuccess` channel
 * (and starts the follow-up rollout), `abort` reverts the candidate arm. RuleViolation
 * (`experiment.ended`, `experiment.arm-not-succeeded`).
 */
export const decideExperiment = defineRequest(
  'orchestrator',
  'decide-experiment',
  z.strictObject({ ...ref, outcome: z.enum(['promote', 'abort']), reason: Reason }),
  ExperimentView,
);

/** Ends an experiment without a verdict; the candidate arm keeps what it has. RuleViolation (`experiment.ended`). */
export const stopExperiment = defineRequest(
  'orchestrator',
  'stop-experiment',
  z.strictObject({ ...ref, reason: Reason.default('stopped by an operator') }),
  ExperimentView,
);

/** The decision loop's looks at one experiment, oldest first (a series of the arms' figures over time). NotFound. */
export const listExperimentLooks = defineRequest(
  'orchestrator',
  'list-experiment-looks',
  z.strictObject({ ...ref, ...Page }),
  z.strictObject({ items: z.array(ExperimentLook), nextCursor: z.string().optional() }),
);
