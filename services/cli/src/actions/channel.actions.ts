import { orchestrator } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { print, table, type Action, type ActionContext } from '../action.js';

/** Prints an artifact name's channels: one row per channel with its version and where it came from. */
export function showChannels(ctx: ActionContext, raw: unknown): number {
  const view = orchestrator.ChannelsView.parse(raw);
  print(ctx, view, () =>
    view.channels.length === 0
      ? [`${view.artifactName} has no channels`]
      : table([
          ['CHANNEL', 'VERSION', 'PREVIOUS', 'FROM ROLLOUT', 'SINCE'],
          ...view.channels.map((c) => [c.channel, c.version, c.previousVersion ?? '', c.rolloutId ?? '', c.promotedAt]),
        ]),
  );
  return 0;
}

const channelsPath = (artifact: string, channel = '') =>
  `/v1/channels/${encodeURIComponent(artifact)}${channel ? `/${encodeURIComponent(channel)}` : ''}`;

export const channelList: Action = {
  usage: 'channel list <artifact>',
  args: ['artifact'],
  options: {},
  run: async (ctx) => showChannels(ctx, await ctx.api.send('GET', channelsPath(ctx.positionals[0]!))),
};

/** `channel set <artifact> <channel> --version V`: by hand; promoting a succeeded rollout is `rollout promote`. */
export const channelSet: Action = {
  usage: 'channel set <artifact> <channel> --version VERSION [--reason TEXT]',
  args: ['artifact', 'channel'],
  options: { version: { type: 'string' }, reason: { type: 'string' } },
  async run(ctx) {
    const version = ctx.values.version;
    if (typeof version !== 'string') throw usageError('channel set needs --version VERSION');
    const body = { version, ...(typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {}) };
    return showChannels(ctx, await ctx.api.send('POST', channelsPath(ctx.positionals[0]!, ctx.positionals[1]!), { body }));
  },
};
