import { z } from 'zod';
import { ArtifactName, ChannelName, IsoTime, Reason, SemverLike, SubjectToken } from '@keelson/events';
import { defineRequest } from './kit.js';

/** The release channels of one artifact name and the version each points at now. */
export const ChannelsView = z.strictObject({
  fleet: SubjectToken,
  artifactName: ArtifactName,
  channels: z.array(
    z.strictObject({
      channel: ChannelName,
      version: SemverLike,
      rolloutId: SubjectToken.optional(),
      promotedAt: IsoTime,
      previousVersion: SemverLike.optional(),
    }),
  ),
});
export type ChannelsView = z.infer<typeof ChannelsView>;

/** The channels of an artifact name; none yet is an empty list, not an error. */
export const listChannels = defineRequest(
  'orchestrator',
  'list-channels',
  z.strictObject({ fleet: SubjectToken, artifactName: ArtifactName }),
  ChannelsView,
);

/**
 * Points a channel at a published version by hand (creating the channel if new); audited like every
 * move. A no-op when it points there already. InvalidInput (`artifact.not-found`, `artifact.not-published`).
 */
export const setChannel = defineRequest(
  'orchestrator',
  'set-channel',
  z.strictObject({ fleet: SubjectToken, artifactName: ArtifactName, channel: ChannelName, version: SemverLike, reason: Reason.optional() }),
  ChannelsView,
);

/**
 * Promotes the version a rollout delivered to `channel`; only a rollout that finished `succeeded`
 * may be promoted (RuleViolation `rollout.not-succeeded`). NotFound (`rollout`).
 */
export const promoteRollout = defineRequest(
  'orchestrator',
  'promote-rollout',
  z.strictObject({ fleet: SubjectToken, rolloutId: SubjectToken, channel: ChannelName, reason: Reason.optional() }),
  ChannelsView,
);
