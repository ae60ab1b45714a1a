import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { ArtifactName, IsoTime, Reason, SemverLike, SubjectToken } from '../kit/tokens.js';

/** A release channel of an artifact name, e.g. `canary`, `stable` or a custom one (spec: Experiments & promotion). */
export const ChannelName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a channel name: [a-z][a-z0-9-]{0,31}');

/**
 * A channel of an artifact name now points at `artifact.version` (`ev.channel.<fleet>.<channelsId>`,
 * one aggregate per artifact name). Set by hand, or promoted from a rollout that succeeded (`rolloutId`).
 */
export const ChannelPromoted = defineMessage('ChannelPromoted', 1, {
  fleet: SubjectToken,
  channelsId: SubjectToken,
  artifact: z.strictObject({ name: ArtifactName, version: SemverLike }),
  channel: ChannelName,
  previousVersion: SemverLike.optional(),
  rolloutId: SubjectToken.optional(),
  reason: Reason.optional(),
  promotedAt: IsoTime,
});
export type ChannelPromoted = z.infer<typeof ChannelPromoted>;

/** Any event of the channels aggregate, latest versions only. */
export type ChannelEvent = ChannelPromoted;

/** Reads every version of every channel event. */
export const channelEvents = new MessageRegistry<ChannelEvent>([readersOf(ChannelPromoted)]);

/** Parses a channel event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseChannelEvent(raw: unknown): ChannelEvent {
  return channelEvents.parse(raw);
}
