import { z } from 'zod';
import { ArtifactName, ChannelName, DisplayName, Probe, Reason, SelectorText, SemverLike, Strategy, SubjectToken } from '@keelson/events';

/** The artifact a rollout binds: a version, or a release channel resolved to its version at creation. */
export const ArtifactTarget = z.union([
  z.strictObject({ name: ArtifactName, version: SemverLike }),
  z.strictObject({ name: ArtifactName, channel: ChannelName }),
]);

/** The ways to name a rollout's devices; a rollout has exactly one. */
export const RolloutTargetKeys = ['groupId', 'deviceNames', 'selector'] as const;

/**
 * What creating a rollout takes. Exactly one target: a static group, device names (one device is
 * enough: no group needed to force a known-good version onto it), or a capability selector such as
 * `accelerator=jetson-orin, memoryMb>=8000`. Devices that do not fit the artifact's hardware needs
 * refuse the rollout (`onMisfit: 'reject'`) or are left out and recorded (`'exclude'`). A device
 * already in another active rollout of the same artifact name refuses it, unless `supersede` says why
 * that rollout should let go of it.
 */
export const CreateRolloutInput = z
  .strictObject({
    fleet: SubjectToken,
    artifact: ArtifactTarget,
    groupId: SubjectToken.optional(),
    deviceNames: z.array(DisplayName).min(1).max(10_000).optional(),
    selector: SelectorText.optional(),
    probe: Probe,
    strategy: Strategy,
    onMisfit: z.enum(['reject', 'exclude']).default('reject'),
    supersede: z.strictObject({ reason: Reason }).optional(),
    retryOf: SubjectToken.optional(),
  })
  .refine((input) => RolloutTargetKeys.filter((k) => input[k] !== undefined).length === 1, {
    path: ['target'],
    message: 'name exactly one target: groupId, deviceNames or selector',
  });
