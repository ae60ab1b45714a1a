import { audit, type RequestOutput } from '@keelson/requests';
import { flag, print, table, type Action } from '../action.js';
import { pageOptions, pageQuery, reportMore } from './page-flags.js';

/** `audit list`: one page of the fleet's audit trail (the API's default size); `--cursor` reads the next. */
export const auditList: Action = {
  usage:
    'audit list [--rollout ID] [--device ID] [--artifact NAME] [--type WaveApproved,...] [--since ISO] [--until ISO] [--newest] [--limit N] [--cursor C]',
  args: [],
  options: {
    rollout: { type: 'string' },
    device: { type: 'string' },
    artifact: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    newest: { type: 'boolean' },
    type: { type: 'string' },
    ...pageOptions,
  },
  async run(ctx) {
    const query = {
      ...Object.fromEntries(['rollout', 'device', 'artifact', 'since', 'until'].map((k) => [k, flag(ctx, k)])),
      ...pageQuery(ctx),
      order: ctx.values.newest ? 'newest' : undefined,
      // `rollout.WaveApproved` as the EVENT column prints it, or just `WaveApproved`.
      type: flag(ctx, 'type')
        ?.split(',')
        .map((t) => t.trim().split('.').pop())
        .join(','),
    };
    const page = audit.queryAudit.output.parse(await ctx.api.send('GET', '/v1/audit', { query }));
    print(ctx, page, () =>
      page.items.length
        ? table([
            ['TIME', 'EVENT', 'ACTOR', 'SUBJECT'],
            ...page.items.map((e) => [e.time, e.type.replace(/^io\.keelson\./, ''), e.keelsonactor, e.subject]),
          ])
        : ['no audit entries'],
    );
    reportMore(ctx, 'audit list', page.nextCursor);
    return 0;
  },
};

/**
 * `audit verify`: the api has the audit service walk the whole hash chain. Exit 0 with the number of
 * entries and the head hash (worth keeping elsewhere: a later rewrite of the whole chain would change
 * it), or exit 1 naming the first entry that does not hold and what differs there. The chain spans
 * every fleet: the api answers the admin token only.
 */
export const auditVerify: Action = {
  usage: 'audit verify',
  args: [],
  options: {},
  async run(ctx) {
    const verdict = audit.verifyAudit.output.parse(await ctx.api.send('GET', '/v1/audit/verify'));
    const broken = verdict.firstBroken;
    print(ctx, verdict, () =>
      broken
        ? [
            `audit chain BROKEN at position ${broken.position}${broken.entryId ? ` (entry ${broken.entryId})` : ''}: ${problemText[broken.problem]}`,
            ...(broken.expected !== undefined ? [`  expected: ${broken.expected}`, `  found:    ${broken.found}`] : []),
            `the ${verdict.entries} entries before it hold; the last of them has hash ${verdict.headHash}`,
          ]
        : [`audit chain intact: ${verdict.entries} entries, head ${verdict.headHash}`],
    );
    return verdict.intact ? 0 : 1;
  },
};

type ChainProblem = NonNullable<RequestOutput<typeof audit.verifyAudit>['firstBroken']>['problem'];

const problemText: Record<ChainProblem, string> = {
  position: 'an entry is missing (the next position is not the one that follows)',
  'prev-hash': 'the entry does not link to the hash of the one before it',
  hash: 'the entry was changed after it was written (its hash does not match its content)',
  head: 'the chain head does not match the last entry',
};
