import { gateway } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, table, type Action, type ActionContext } from '../action.js';
import { pageOptions, pageQuery, reportMore } from './page-flags.js';

const filterOptions = {
  search: { type: 'string' },
  status: { type: 'string' },
  label: { type: 'string' },
  installed: { type: 'string' },
  reachable: { type: 'string' },
  sort: { type: 'string' },
} as const;

// `--reachable yes|no` as the API's `reachable=true|false`; the other filters are checked by the API.
function filterQuery(ctx: ActionContext): Record<string, string | undefined> {
  const reachable = flag(ctx, 'reachable');
  if (reachable !== undefined && reachable !== 'yes' && reachable !== 'no')
    throw usageError(`--reachable is yes or no, got '${reachable}'`);
  return {
    search: flag(ctx, 'search'),
    status: flag(ctx, 'status'),
    label: flag(ctx, 'label'),
    installed: flag(ctx, 'installed'),
    sort: flag(ctx, 'sort'),
    ...(reachable === undefined ? {} : { reachable: String(reachable === 'yes') }),
  };
}

/**
 * `device list`: up to 1,000 devices a page, newest enrollment first or `--sort name`; narrowed by
 * `--search`, `--status`, `--label key=value`, `--installed name[@version]`, `--reachable yes|no`.
 */
export const deviceList: Action = {
  usage:
    'device list [--search TEXT] [--status active|decommissioned] [--label KEY=VALUE] [--installed NAME[@VERSION]] [--reachable yes|no] [--sort newest|name] [--limit N] [--cursor C]',
  args: [],
  options: { ...pageOptions, ...filterOptions },
  async run(ctx) {
    const query = { ...filterQuery(ctx), ...pageQuery(ctx, 1000) };
    const page = gateway.listDevices.output.parse(await ctx.api.send('GET', '/v1/devices', { query }));
    print(ctx, page, () =>
      page.items.length
        ? table([
            ['ID', 'NAME', 'STATUS', 'REACHABLE', 'INSTALLED'],
            ...page.items.map((d) => [
              d.deviceId,
              d.name,
              d.status,
              d.reachable ? 'yes' : 'no',
              d.installed.map((i) => `${i.name}@${i.version}`).join(',') || '-',
            ]),
          ])
        : ['no devices'],
    );
    reportMore(ctx, 'device list', page.nextCursor);
    return 0;
  },
};

/** `device versions`: how many active devices run each artifact version, fleet-wide. */
export const deviceVersions: Action = {
  usage: 'device versions',
  args: [],
  options: {},
  async run(ctx) {
    const counts = gateway.countInstalledVersions.output.parse(await ctx.api.send('GET', '/v1/installed-versions'));
    const share = (n: number) => `${counts.activeDevices ? Math.round((n / counts.activeDevices) * 100) : 0}%`;
    print(ctx, counts, () => [
      ...(counts.versions.length
        ? table([
            ['VERSION', 'DEVICES', 'SHARE'],
            ...counts.versions.map((v) => [`${v.name}@${v.version}`, String(v.devices), share(v.devices)]),
          ])
        : []),
      `${counts.activeDevices} active devices; ${counts.withoutArtifacts} run no artifact yet`,
    ]);
    return 0;
  },
};
