import { gateway } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, type Action } from '../action.js';
import { findDevice } from './device-lookup.js';
import { parseLabels } from './labels-flag.js';

/**
 * `device token`: prints the line to paste on the device (and nothing else on stdout, so it pipes).
 * `--labels` go to the device it enrolls, and `--group NAME` puts it in that group once it enrolled.
 * `--reenroll <deviceId>` mints it for an existing device that was wiped or replaced: it keeps its
 * id, labels, groups and history, so it takes neither.
 */
export const deviceToken: Action = {
  usage: "device token [--labels 'site=north, line=2'] [--group GROUP] [--ttl SECONDS] [--reenroll DEVICE_ID]",
  args: [],
  options: { ttl: { type: 'string' }, reenroll: { type: 'string' }, labels: { type: 'string' }, group: { type: 'string' } },
  async run(ctx) {
    const ttl = flag(ctx, 'ttl');
    const reenroll = flag(ctx, 'reenroll');
    if (ttl !== undefined && !/^\d+$/.test(ttl)) throw usageError(`--ttl must be a number of seconds, got '${ttl}'`);
    if (ctx.values.reenroll !== undefined && !reenroll) throw usageError('--reenroll needs the id of the device to enroll again');
    if (reenroll && ctx.values.labels !== undefined)
      throw usageError("--reenroll keeps the device's labels: give --labels or --reenroll, not both");
    const group = flag(ctx, 'group');
    if (ctx.values.group !== undefined && !group) throw usageError('--group needs the name of a group');
    if (reenroll && group) throw usageError("--reenroll keeps the device's groups: give --group or --reenroll, not both");
    const labels = ctx.values.labels === undefined ? undefined : parseLabels(flag(ctx, 'labels') ?? '');
    const body = {
      ...(ttl ? { ttlSeconds: Number(ttl) } : {}),
      ...(reenroll ? { deviceId: reenroll } : {}),
      ...(labels ? { labels } : {}),
      ...(group ? { group } : {}),
    };
    const issued = (await ctx.api.send('POST', '/v1/enrollment-tokens', { body })) as { enrollCommand: string; expiresAt: string };
    print(ctx, issued, () => [issued.enrollCommand]);
    if (!ctx.json)
      ctx.io.stderr(
        `# one-time token${reenroll ? ` re-enrolling ${reenroll}` : ''}${group ? ` (the device joins group ${group})` : ''}, valid until ${issued.expiresAt}\n`,
      );
    return 0;
  },
};

/**
 * `device decommission <id|name>`: the device's credentials stop working at once; it leaves every
 * rollout. A name two devices share is refused before anything changes: give the id.
 */
export const deviceDecommission: Action = {
  usage: 'device decommission <id|name> [--reason TEXT]',
  args: ['id'],
  options: { reason: { type: 'string' } },
  async run(ctx) {
    const reason = flag(ctx, 'reason');
    const { deviceId } = await findDevice(ctx, ctx.positionals[0]!);
    const path = `/v1/devices/${encodeURIComponent(deviceId)}/decommission`;
    const done = gateway.decommissionDevice.output.parse(
      await ctx.api.send('POST', path, { body: reason === undefined ? {} : { reason } }),
    );
    print(ctx, done, () => [
      done.changed
        ? `${done.deviceId} decommissioned: credentials revoked, connections dropped`
        : `${done.deviceId} was decommissioned already`,
    ]);
    return 0;
  },
};
