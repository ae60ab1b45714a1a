import { gateway } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, table, type Action, type ActionContext } from '../action.js';
import { pageOptions, pageQuery, reportMore } from './page-flags.js';

const devicesOf = (ctx: ActionContext, command: string): string[] => {
  const devices = (flag(ctx, 'devices') ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  if (!devices.length) throw usageError(`${command} needs --devices with at least one device name`);
  return devices;
};
const groupPath = (ctx: ActionContext, rest = '') => `/v1/groups/${encodeURIComponent(ctx.positionals[0]!)}${rest}`;
const membersLine = (g: gateway.GroupView) => `group ${g.name} (${g.groupId}): ${g.deviceIds.length} devices`;
const warnUnresolved = (ctx: ActionContext, g: gateway.GroupView) => {
  if (g.unresolvedNames.length)
    ctx.io.stderr(`warning: no device is named ${g.unresolvedNames.join(', ')} (yet); kept in the group as unresolved\n`);
};

/** `group create <name> --devices a,b,c`: names that match no device are kept and warned about. */
export const groupCreate: Action = {
  usage: 'group create <name> --devices NAME,NAME,...',
  args: ['name'],
  options: { devices: { type: 'string' } },
  async run(ctx) {
    const devices = devicesOf(ctx, 'group create');
    const group = gateway.GroupView.parse(await ctx.api.send('POST', '/v1/groups', { body: { name: ctx.positionals[0], devices } }));
    print(ctx, group, () => [membersLine(group)]);
    warnUnresolved(ctx, group);
    return 0;
  },
};

/** `group list`: the fleet's groups, newest first, with their member counts. */
export const groupList: Action = {
  usage: 'group list [--limit N] [--cursor C]',
  args: [],
  options: { ...pageOptions },
  async run(ctx) {
    const page = gateway.listGroups.output.parse(await ctx.api.send('GET', '/v1/groups', { query: pageQuery(ctx) }));
    print(ctx, page, () =>
      page.items.length
        ? table([
            ['ID', 'NAME', 'DEVICES', 'UNRESOLVED'],
            ...page.items.map((g) => [g.groupId, g.name, String(g.deviceIds.length), g.unresolvedNames.join(',') || '-']),
          ])
        : ['no groups'],
    );
    reportMore(ctx, 'group list', page.nextCursor);
    return 0;
  },
};

/** `group show <id|name>`: the group's devices by id, then the names kept unresolved. */
export const groupShow: Action = {
  usage: 'group show <id|name>',
  args: ['group'],
  options: {},
  async run(ctx) {
    const group = gateway.GroupView.parse(await ctx.api.send('GET', groupPath(ctx)));
    print(ctx, group, () => [
      membersLine(group),
      ...group.deviceIds.map((d) => `  ${d}`),
      ...(group.unresolvedNames.length ? [`unresolved (no such device yet): ${group.unresolvedNames.join(', ')}`] : []),
    ]);
    return 0;
  },
};

/** `group add <id|name> --devices a,b`: rollouts already created keep the devices they had. */
export const groupAdd: Action = {
  usage: 'group add <id|name> --devices NAME,NAME,...',
  args: ['group'],
  options: { devices: { type: 'string' } },
  async run(ctx) {
    const devices = devicesOf(ctx, 'group add');
    const group = gateway.GroupView.parse(await ctx.api.send('POST', groupPath(ctx, '/members'), { body: { devices } }));
    print(ctx, group, () => [membersLine(group)]);
    warnUnresolved(ctx, group);
    return 0;
  },
};

/** `group remove <id|name> --devices a,b`: every name must be a member, or nothing is removed. */
export const groupRemove: Action = {
  usage: 'group remove <id|name> --devices NAME,NAME,...',
  args: ['group'],
  options: { devices: { type: 'string' } },
  async run(ctx) {
    const devices = devicesOf(ctx, 'group remove');
    const group = gateway.GroupView.parse(await ctx.api.send('DELETE', groupPath(ctx, '/members'), { body: { devices } }));
    print(ctx, group, () => [membersLine(group)]);
    return 0;
  },
};

/** `group delete <id|name>`: refused while an unsettled experiment is built on the group. */
export const groupDelete: Action = {
  usage: 'group delete <id|name>',
  args: ['group'],
  options: {},
  async run(ctx) {
    const group = gateway.GroupView.parse(await ctx.api.send('DELETE', groupPath(ctx)));
    print(ctx, group, () => [`group ${group.name} (${group.groupId}) deleted; it held ${group.deviceIds.length} devices`]);
    return 0;
  },
};
