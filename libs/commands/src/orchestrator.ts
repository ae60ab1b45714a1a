import { z } from 'zod';
import { ArtifactName, ArtifactRef, DeviceState, IsoTime, Probe, Reason, SemverLike, Strategy, SubjectToken } from '@keelson/events';
import { defineCommand, Page } from './kit.js';

export const RolloutStatus = z.enum(['running', 'awaiting-approval', 'halted', 'aborted', 'succeeded', 'failed']);

/**
 * A rollout as the orchestrator's read model knows it, with each target device's latest state:
 * `pending` until its wave starts, `assigned`, then what it reported (`downloading` … `healthy`,
 * `rolled_back`, `failed`), or `excluded` once it is no longer a live target (decommissioned).
 */
export const RolloutView = z.strictObject({
  fleet: SubjectToken,
  rolloutId: SubjectToken,
  artifact: ArtifactRef,
  groupId: SubjectToken,
  probe: Probe,
  strategy: Strategy,
  status: RolloutStatus,
  currentWave: z.number().int().min(0),
  haltReason: Reason.optional(),
  abortMode: z.enum(['keep', 'revert']).optional(),
  createdAt: IsoTime,
  finishedAt: IsoTime.optional(),
  devices: z.array(z.strictObject({ deviceId: SubjectToken, wave: z.number().int().min(0), state: z.union([DeviceState, z.literal('pending'), z.literal('assigned'), z.literal('excluded')]), reason: Reason.optional() })),
});
export type RolloutView = z.infer<typeof RolloutView>;

const ref = { fleet: SubjectToken, rolloutId: SubjectToken };

/**
 * Creates a rollout of a published artifact to a group. InvalidInput (`artifact.not-found`,
 * `artifact.not-published`, `group.not-found`, `group.empty`) when it cannot bind them.
 */
export const createRollout = defineCommand(
  'orchestrator',
  'create-rollout',
  z.strictObject({ fleet: SubjectToken, artifact: z.strictObject({ name: ArtifactName, version: SemverLike }), groupId: SubjectToken, probe: Probe, strategy: Strategy }),
  RolloutView,
);

export const getRollout = defineCommand('orchestrator', 'get-rollout', z.strictObject(ref), RolloutView);

export const listRollouts = defineCommand(
  'orchestrator',
  'list-rollouts',
  z.strictObject({ fleet: SubjectToken, ...Page }),
  z.strictObject({ items: z.array(RolloutView), nextCursor: z.string().optional() }),
);

/** Opens the manual gate the rollout waits at; a no-op if it is not waiting. */
export const approveWave = defineCommand('orchestrator', 'approve-wave', z.strictObject({ ...ref, wave: z.number().int().min(0).max(19).optional() }), RolloutView);
export const haltRollout = defineCommand('orchestrator', 'halt-rollout', z.strictObject({ ...ref, reason: Reason.default('halted by an operator') }), RolloutView);
export const resumeRollout = defineCommand('orchestrator', 'resume-rollout', z.strictObject(ref), RolloutView);
/** Ends the rollout: `keep` leaves updated devices as they are, `revert` sends each back to its previous artifact. */
export const abortRollout = defineCommand('orchestrator', 'abort-rollout', z.strictObject({ ...ref, mode: z.enum(['keep', 'revert']) }), RolloutView);
