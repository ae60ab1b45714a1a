import { z } from 'zod';
import { orchestrator } from '@keelson/requests';
import { ArtifactName, ChannelName, Reason, SemverLike } from '@keelson/events';

export const ChannelsParams = z.object({ artifact: ArtifactName });
export const ChannelParams = z.object({ artifact: ArtifactName, channel: ChannelName });
/** `POST /v1/channels/:artifact/:channel`: point the channel at a published version, by hand. */
export const SetChannelRequest = z.strictObject({ version: SemverLike, reason: Reason.optional() });
export const ChannelsView = orchestrator.ChannelsView;
