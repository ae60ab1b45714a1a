import { z } from 'zod';
import { ChannelName } from '../channel/channel-events.js';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { ArtifactName, DeviceIds, IsoTime, JsonObject, Reason, SemverLike, SubjectToken } from '../kit/tokens.js';
import { Probe } from '../rollout/probe.js';
import { Strategy } from '../rollout/strategy.js';

/** The largest arm an experiment records in one event: arms are a share (≤ 50 %) of one group. */
export const maxArmDevices = 5_000;

/** What an experiment is judged on: the specs as the operator wrote them (parsed by `@keelson/experiment-stats`). */
export const ExperimentPlanSpec = z.strictObject({
  primary: z.string().min(1).max(200),
  guardrails: z.array(z.string().min(1).max(200)).max(10),
  alpha: z.number().gt(0).max(0.5),
  minSamples: z.number().int().min(2).max(100_000_000),
  maxDurationSeconds: z
    .number()
    .int()
    .min(1)
    .max(90 * 86_400),
});
export type ExperimentPlanSpec = z.infer<typeof ExperimentPlanSpec>;

/** What a promotion does: the channel it moves and, optionally, a follow-up rollout to the rest of the group. */
export const ExperimentOnSuccess = z.strictObject({
  promote: ChannelName.optional(),
  thenRollout: z.strictObject({ strategy: Strategy }).optional(),
});
export type ExperimentOnSuccess = z.infer<typeof ExperimentOnSuccess>;

/**
 * An experiment of `candidate` against `baseline` (two versions of one artifact name) on a group
 * (`ev.experiment.<fleet>.<experimentId>`); its arms follow in `ExperimentArmsAssigned`.
 */
export const ExperimentCreated = defineMessage('ExperimentCreated', 1, {
  fleet: SubjectToken,
  experimentId: SubjectToken,
  artifactName: ArtifactName,
  candidate: SemverLike,
  baseline: SemverLike,
  groupId: SubjectToken,
  split: z.number().int().min(1).max(50),
  plan: ExperimentPlanSpec,
  probe: Probe,
  strategy: Strategy,
  onSuccess: ExperimentOnSuccess,
  createdAt: IsoTime,
});
export type ExperimentCreated = z.infer<typeof ExperimentCreated>;

/**
 * The stable assignment of the group's devices: ordered by a hash of (experiment id, device id), the
 * first `split` % go to the candidate arm, as many next to the control arm; `untouched` is the rest.
 */
export const ExperimentArmsAssigned = defineMessage('ExperimentArmsAssigned', 1, {
  fleet: SubjectToken,
  experimentId: SubjectToken,
  candidateDeviceIds: DeviceIds.refine((ids) => ids.length >= 1 && ids.length <= maxArmDevices),
  controlDeviceIds: DeviceIds.refine((ids) => ids.length <= maxArmDevices),
  untouchedCount: z.number().int().min(0),
});
export type ExperimentArmsAssigned = z.infer<typeof ExperimentArmsAssigned>;

/**
 * A rollout the experiment started: the candidate on the candidate arm (`candidate`), the candidate
 * on the rest of the group after a promotion (`follow-up`), or the baseline back on the candidate arm
 * after an abort once the arm's rollout had already finished (`revert`).
 */
export const ExperimentRolloutStarted = defineMessage('ExperimentRolloutStarted', 1, {
  fleet: SubjectToken,
  experimentId: SubjectToken,
  arm: z.enum(['candidate', 'follow-up', 'revert']),
  rolloutId: SubjectToken,
  startedAt: IsoTime,
});
export type ExperimentRolloutStarted = z.infer<typeof ExperimentRolloutStarted>;

/**
 * The experiment's verdict: by an operator (`decidedBy: operator`, who is in the event's actor
 * header, why in `reason`) or by the decision loop on the numbers in `evidence`. `inconclusive` waits
 * for a person; `promote` and `abort` are final.
 */
export const ExperimentDecided = defineMessage('ExperimentDecided', 1, {
  fleet: SubjectToken,
  experimentId: SubjectToken,
  outcome: z.enum(['promote', 'abort', 'inconclusive']),
  decidedBy: z.enum(['operator', 'automatic']),
  reason: Reason,
  evidence: JsonObject.optional(),
  decidedAt: IsoTime,
});
export type ExperimentDecided = z.infer<typeof ExperimentDecided>;

/** An operator ended the experiment without a verdict; the candidate arm keeps what it has. */
export const ExperimentStopped = defineMessage('ExperimentStopped', 1, {
  fleet: SubjectToken,
  experimentId: SubjectToken,
  reason: Reason,
  stoppedAt: IsoTime,
});
export type ExperimentStopped = z.infer<typeof ExperimentStopped>;

/** What the verdict asked for is done: the channel moved, the arm reverted, the follow-up started. */
export const ExperimentSettled = defineMessage('ExperimentSettled', 1, {
  fleet: SubjectToken,
  experimentId: SubjectToken,
  settledAt: IsoTime,
});
export type ExperimentSettled = z.infer<typeof ExperimentSettled>;

/** Any event of the experiment aggregate, latest versions only. */
export type ExperimentEvent =
  ExperimentCreated | ExperimentArmsAssigned | ExperimentRolloutStarted | ExperimentDecided | ExperimentStopped | ExperimentSettled;

/** Reads every version of every experiment event. */
export const experimentEvents = new MessageRegistry<ExperimentEvent>([
  readersOf(ExperimentCreated),
  readersOf(ExperimentArmsAssigned),
  readersOf(ExperimentRolloutStarted),
  readersOf(ExperimentDecided),
  readersOf(ExperimentStopped),
  readersOf(ExperimentSettled),
]);

/** Parses an experiment event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseExperimentEvent(raw: unknown): ExperimentEvent {
  return experimentEvents.parse(raw);
}
