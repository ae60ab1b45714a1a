import { z } from 'zod';
import { ArtifactRef, DeviceState, IsoTime, Probe, Reason, rolloutTargeting, Strategy, SubjectToken } from '@keelson/events';
import { defineRequest, Page } from './kit.js';
import { CreateRolloutInput } from './rollout-creation.js';
import { DeviceInFlight, WaveSummary } from './rollout-progress.js';

export { WaveSummary, RevertProgress } from './rollout-progress.js';

export const RolloutStatus = z.enum(['running', 'awaiting-approval', 'halted', 'aborted', 'succeeded', 'failed']);

/**
 * A rollout as the orchestrator's read model knows it, with each target device's latest state:
 * `pending` until its wave starts, `assigned`, then what it reported (`downloading` … `healthy`,
 * `rolled_back`, `failed`), or `excluded` once it is no longer a live target (decommissioned); a
 * timed-out device is `failed` with reason `timeout` and `timedOut`, a silent one `unreachable`.
 */
/** The most devices a view lists one by one: a view (a request's reply) must not grow with the fleet. */
export const maxViewDevices = 1000;

export const RolloutView = z.strictObject({
  fleet: SubjectToken,
  rolloutId: SubjectToken,
  artifact: ArtifactRef,
  // how the devices were chosen (group, names or selector), misfits left out, superseded rollouts, retryOf
  ...rolloutTargeting,
  probe: Probe,
  strategy: Strategy,
  status: RolloutStatus,
  currentWave: z.number().int().min(0),
  haltReason: Reason.optional(),
  abortMode: z.enum(['keep', 'revert']).optional(),
  createdAt: IsoTime,
  finishedAt: IsoTime.optional(),
  /** The devices in rollout order: all of them up to `maxViewDevices`, else the first `maxViewDevices`. */
  devices: z.array(
    z.strictObject({
      deviceId: SubjectToken,
      wave: z.number().int().min(0),
      state: z.union([DeviceState, z.literal('pending'), z.literal('assigned'), z.literal('excluded')]),
      reason: Reason.optional(),
      ...DeviceInFlight,
    }),
  ),
  /** How many devices the rollout targets, set when `devices` lists only the first `maxViewDevices` of them. */
  deviceCount: z.number().int().min(1).optional(),
  /** One summary line per wave over every device (timed-out and unreachable counts included). */
  waves: z.array(WaveSummary).optional(),
});
export type RolloutView = z.infer<typeof RolloutView>;

const ref = { fleet: SubjectToken, rolloutId: SubjectToken };

export { CreateRolloutInput, ArtifactTarget, RolloutTargetKeys } from './rollout-creation.js';

/**
 * Creates a rollout of a published artifact (a version, or a channel's current version) to a group,
 * named devices or a selector's devices. InvalidInput (`artifact.*`, `group.*`, `target.*`,
 * `selector.*`, `channel.*`, `hardware.misfit`), RuleViolation (`rollout.conflict`, naming the
 * rollouts in the way) when it cannot bind them; see rollout-creation.ts.
 */
export const createRollout = defineRequest('orchestrator', 'create-rollout', CreateRolloutInput, RolloutView);

export const getRollout = defineRequest('orchestrator', 'get-rollout', z.strictObject(ref), RolloutView);

/** The fleet's rollouts, newest first; with `status`, only those in it (`succeeded`/`failed`: finished so). */
export const listRollouts = defineRequest(
  'orchestrator',
  'list-rollouts',
  z.strictObject({ fleet: SubjectToken, ...Page, status: RolloutStatus.optional() }),
  z.strictObject({ items: z.array(RolloutView), nextCursor: z.string().optional() }),
);

/**
 * Opens the manual gate the rollout waits at; a no-op if it is running. RuleViolation `rollout.halted`
 * (with the halt's reason) when it is halted: resume first; `rollout.finished`/`rollout.aborted` once it ended.
 */
export const approveWave = defineRequest(
  'orchestrator',
  'approve-wave',
  z.strictObject({ ...ref, wave: z.number().int().min(0).max(19).optional() }),
  RolloutView,
);
export const haltRollout = defineRequest(
  'orchestrator',
  'halt-rollout',
  z.strictObject({ ...ref, reason: Reason.default('halted by an operator') }),
  RolloutView,
);
export const resumeRollout = defineRequest('orchestrator', 'resume-rollout', z.strictObject(ref), RolloutView);
/** Ends the rollout: `keep` leaves updated devices as they are, `revert` sends each back to its previous artifact. */
export const abortRollout = defineRequest(
  'orchestrator',
  'abort-rollout',
  z.strictObject({ ...ref, mode: z.enum(['keep', 'revert']) }),
  RolloutView,
);

/**
 * Retries the devices of a rollout that ended `rolled_back` or `failed` (timed out) as a new rollout
 * of the same artifact and probe, linked by `retryOf`; the strategy defaults to the original's.
 * RuleViolation (`rollout.nothing-to-retry`) when no device failed.
 */
export const retryRollout = defineRequest(
  'orchestrator',
  'retry-rollout',
  z.strictObject({ ...ref, strategy: Strategy.optional(), onMisfit: z.enum(['reject', 'exclude']).default('reject') }),
  RolloutView,
);

export { ChannelsView, listChannels, setChannel, promoteRollout } from './orchestrator-channels.js';

export {
  ExperimentStatus,
  ExperimentView,
  CreateExperimentInput,
  createExperiment,
  getExperiment,
  listExperiments,
  listExperimentLooks,
  decideExperiment,
  stopExperiment,
} from './orchestrator-experiments.js';
export { ExperimentLook, LookTest, liveLookSubject } from './orchestrator-experiment-look.js';
