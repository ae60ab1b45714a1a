import { createHash } from 'node:crypto';
import { RuleViolation, type Decider } from '@keelson/domain-kit';
import type { ChannelEvent } from '@keelson/events';

/** Where one channel points. */
export interface ChannelPosition {
  version: string;
  promotedAt: string;
  previousVersion?: string;
  rolloutId?: string;
}

/** The release channels of one artifact name (`ev.channel.<fleet>.<channelsId>`). */
export interface Channels {
  channels: Record<string, ChannelPosition>;
}

/**
 * Moves a channel to a version: by hand, or promoting the version a rollout delivered (`fromRollout`,
 * with the status the rollout has now, read at the edge). Time arrives stamped.
 */
export interface MoveChannel {
  type: 'MoveChannel';
  fleet: string;
  channelsId: string;
  artifactName: string;
  channel: string;
  version: string;
  fromRollout?: { rolloutId: string; status: string };
  reason?: string;
  at: string;
}

/**
 * The channels id of an artifact name: derived from the name (artifact names may hold dots, which a
 * subject token may not), so every writer of a name's channels meets on one aggregate.
 */
export function channelsIdOf(fleet: string, artifactName: string): string {
  return `c-${createHash('sha256').update(`${fleet}/${artifactName}`).digest('hex').slice(0, 16)}`;
}

function decide(command: MoveChannel, state: Channels): ChannelEvent[] {
  const { fleet, channelsId, artifactName, channel, version, fromRollout, reason, at } = command;
  // spec: promote after a successful rollout; a failed, halted or running one proves nothing yet
  if (fromRollout && fromRollout.status !== 'succeeded') {
    throw new RuleViolation(
      'rollout.not-succeeded',
      `rollout '${fromRollout.rolloutId}' is ${fromRollout.status}; only a rollout that succeeded can be promoted`,
    );
  }
  const current = state.channels[channel];
  if (current?.version === version) return []; // already there: nothing moved
  return [
    {
      type: 'ChannelPromoted',
      schemaVersion: 1,
      data: {
        fleet,
        channelsId,
        artifact: { name: artifactName, version },
        channel,
        promotedAt: at,
        ...(current ? { previousVersion: current.version } : {}),
        ...(fromRollout ? { rolloutId: fromRollout.rolloutId } : {}),
        ...(reason === undefined ? {} : { reason }),
      },
    },
  ];
}

function evolve(state: Channels, event: ChannelEvent): Channels {
  const { channel, artifact, promotedAt, previousVersion, rolloutId } = event.data;
  const position: ChannelPosition = {
    version: artifact.version,
    promotedAt,
    ...(previousVersion ? { previousVersion } : {}),
    ...(rolloutId ? { rolloutId } : {}),
  };
  return { channels: { ...state.channels, [channel]: position } };
}

/** The channels aggregate: one per artifact name, each channel pointing at one version. */
export const channelDecider: Decider<MoveChannel, ChannelEvent, Channels> = {
  initialState: () => ({ channels: {} }),
  decide,
  evolve,
};
