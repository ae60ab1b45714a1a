import { gateway } from '@keelson/commands';
import { usageError } from '../cli-io.js';
import { flag, print, type Command } from '../command.js';

/** `group create <name> --devices a,b,c`: names that match no device are kept and warned about. */
export const groupCreate: Command = {
  usage: 'group create <name> --devices NAME,NAME,...',
  args: ['name'],
  options: { devices: { type: 'string' } },
  async run(ctx) {
    const devices = (flag(ctx, 'devices') ?? '').split(',').map((d) => d.trim()).filter(Boolean);
    if (!devices.length) throw usageError('group create needs --devices with at least one device name');
    const group = gateway.GroupView.parse(await ctx.api.send('POST', '/v1/groups', { body: { name: ctx.positionals[0], devices } }));
    print(ctx, group, () => [`group ${group.name} (${group.groupId}): ${group.deviceIds.length} devices`]);
    if (group.unresolvedNames.length) ctx.io.stderr(`warning: no device is named ${group.unresolvedNames.join(', ')} (yet); kept in the group as unresolved\n`);
    return 0;
  },
};
