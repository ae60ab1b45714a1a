import { audit } from '@keelson/commands';
import { flag, print, table, type Command } from '../command.js';
import { pageOptions, pageQuery, reportMore } from './page-flags.js';

/** `audit list`: one page of the fleet's audit trail (the API's default size); `--cursor` reads the next. */
export const auditList: Command = {
  usage: 'audit list [--rollout ID] [--device ID] [--artifact NAME] [--type WaveApproved,...] [--since ISO] [--until ISO] [--newest] [--limit N] [--cursor C]',
  args: [],
  options: { rollout: { type: 'string' }, device: { type: 'string' }, artifact: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, newest: { type: 'boolean' }, type: { type: 'string' }, ...pageOptions },
  async run(ctx) {
    const query = {
      ...Object.fromEntries(['rollout', 'device', 'artifact', 'since', 'until'].map((k) => [k, flag(ctx, k)])),
      ...pageQuery(ctx),
      order: ctx.values.newest ? 'newest' : undefined,
      // `rollout.WaveApproved` as the EVENT column prints it, or just `WaveApproved`.
      type: flag(ctx, 'type')?.split(',').map((t) => t.trim().split('.').pop()).join(','),
    };
    const page = audit.queryAudit.output.parse(await ctx.api.send('GET', '/v1/audit', { query }));
    print(ctx, page, () =>
      page.items.length
        ? table([['TIME', 'EVENT', 'ACTOR', 'SUBJECT'], ...page.items.map((e) => [e.time, e.type.replace(/^io\.keelson\./, ''), e.keelsonactor, e.subject])])
        : ['no audit entries'],
    );
    reportMore(ctx, 'audit list', page.nextCursor);
    return 0;
  },
};
