import { usageError } from '../cli-io.js';
import { flag, print, table, type Action } from '../action.js';

interface IssuedToken {
  tokenId: string;
  token: string;
  fleet: string;
  name: string;
  role: string;
  expiresAt: string;
}

interface ListedToken {
  tokenId: string;
  name: string;
  role: string;
  status: string;
  expiresAt: string;
  createdBy: string;
}

const roles = ['viewer', 'operator', 'admin'];

/** `token create <name>`: prints the token alone on stdout (so it pipes into a secret store); it is never shown again. */
export const tokenCreate: Action = {
  usage: 'token create <name> [--role viewer|operator|admin] [--ttl-days DAYS]',
  args: ['name'],
  options: { role: { type: 'string' }, 'ttl-days': { type: 'string' } },
  async run(ctx) {
    const role = flag(ctx, 'role');
    const days = flag(ctx, 'ttl-days');
    if (role !== undefined && !roles.includes(role)) throw usageError(`--role must be one of ${roles.join(', ')}, got '${role}'`);
    if (days !== undefined && !/^[1-9]\d{0,2}$/.test(days))
      throw usageError(`--ttl-days must be a number of days from 1 to 365, got '${days}'`);
    const body = { name: ctx.positionals[0], ...(role ? { role } : {}), ...(days ? { ttlSeconds: Number(days) * 86_400 } : {}) };
    const issued = (await ctx.api.send('POST', '/v1/tokens', { body })) as IssuedToken;
    print(ctx, issued, () => [issued.token]);
    if (!ctx.json)
      ctx.io.stderr(
        `# ${issued.role} token ${issued.tokenId} for fleet ${issued.fleet}, valid until ${issued.expiresAt}; shown this once, keep it now\n`,
      );
    return 0;
  },
};

/** `token list`: the fleet's tokens without secrets. */
export const tokenList: Action = {
  usage: 'token list',
  args: [],
  options: {},
  async run(ctx) {
    const page = (await ctx.api.send('GET', '/v1/tokens', { query: { limit: '1000' } })) as { items: ListedToken[] };
    print(ctx, page, () =>
      page.items.length
        ? table([
            ['ID', 'NAME', 'ROLE', 'STATUS', 'EXPIRES', 'CREATED BY'],
            ...page.items.map((t) => [t.tokenId, t.name, t.role, t.status, t.expiresAt, t.createdBy]),
          ])
        : ['no API tokens'],
    );
    return 0;
  },
};

/** `token revoke <id>`: refused from the next request on. */
export const tokenRevoke: Action = {
  usage: 'token revoke <token-id> [--reason TEXT]',
  args: ['tokenId'],
  options: { reason: { type: 'string' } },
  async run(ctx) {
    const reason = flag(ctx, 'reason');
    const path = `/v1/tokens/${encodeURIComponent(ctx.positionals[0]!)}`;
    const done = (await ctx.api.send('DELETE', path, { body: reason === undefined ? {} : { reason } })) as {
      tokenId: string;
      changed: boolean;
    };
    print(ctx, done, () => [done.changed ? `${done.tokenId} revoked` : `${done.tokenId} was revoked already`]);
    return 0;
  },
};
