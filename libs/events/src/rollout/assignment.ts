import { z } from 'zod';
import { ArtifactKind, ArtifactName, ByteLength, SemverLike, Sha256Hex, SubjectToken, TargetPath } from '../kit/tokens.js';
import { Probe } from './probe.js';

/**
 * A published artifact as a rollout and a device know it: enough to fetch the target through the
 * facade and check it against the signed targets metadata before anything is written.
 */
export const ArtifactRef = z.strictObject({
  name: ArtifactName,
  version: SemverLike,
  kind: ArtifactKind,
  targetPath: TargetPath,
  sha256: Sha256Hex,
  length: ByteLength,
});
export type ArtifactRef = z.infer<typeof ArtifactRef>;

/**
 * One thing a device must do for one rollout, part of the device's desired state. Reports carry its
 * id, so a duplicate or late report about an old assignment is recognised and ignored.
 */
export const Assignment = z.strictObject({
  assignmentId: SubjectToken,
  rolloutId: SubjectToken,
  artifact: ArtifactRef,
  probe: Probe,
  // A revert is a new assignment, not a command: the device reconciles it like any other.
  action: z.enum(['install', 'revert']),
});
export type Assignment = z.infer<typeof Assignment>;

/** The most assignments one desired state may hold; devices must be able to bound what they accept. */
export { maxAssignments } from './assignment.fast.js';

/** The install assignment a rollout gives a device. */
export const installAssignmentId = (rolloutId: string, deviceId: string): string => `${rolloutId}-${deviceId}`;
/** The revert assignment an abort with `revert` gives a device: the install's id and `-r`. */
export const revertAssignmentId = (rolloutId: string, deviceId: string): string => `${rolloutId}-${deviceId}-r`;
