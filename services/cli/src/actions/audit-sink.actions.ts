import { readFileSync } from 'node:fs';
import { audit } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, table, type Action, type ActionContext } from '../action.js';

const pathOf = (name: string | undefined) => `/v1/audit/sinks/${encodeURIComponent(name ?? '')}`;
const stateOf = (s: audit.AuditSink) =>
  s.paused ? `paused (dead letters: ${s.deadLetters})` : s.failures ? `retrying (${s.failures} failures)` : 'delivering';

/** The signing secret from standard input (one trailing newline removed) or a file: never on the command line, where `ps` and shell history see it. */
async function secretFrom(ctx: ActionContext): Promise<string> {
  const file = flag(ctx, 'secret-file');
  const fromStdin = ctx.values['secret-stdin'] === true;
  if (fromStdin === (file !== undefined))
    throw usageError('audit sink add needs the signing secret: --secret-stdin or --secret-file PATH (one of them)');
  let secret: string;
  if (file !== undefined) {
    try {
      secret = readFileSync(file, 'utf8');
    } catch (err) {
      throw usageError(`--secret-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else {
    if (!ctx.io.readStdin) throw usageError('--secret-stdin: standard input cannot be read here');
    secret = await ctx.io.readStdin();
  }
  secret = secret.replace(/\r?\n$/, '');
  if (!secret) throw usageError('the signing secret is empty');
  return secret;
}

function startOf(ctx: ActionContext): audit.AddSinkStart {
  const position = flag(ctx, 'from-position');
  if (position !== undefined && ctx.values['from-start']) throw usageError('--from-position and --from-start exclude each other');
  if (ctx.values['from-start']) return 'start';
  if (position === undefined) return 'now';
  if (!/^[1-9]\d{0,15}$/.test(position)) throw usageError(`--from-position must be a chain position (1 or more), got '${position}'`);
  return { position: Number(position) };
}

/** `audit sink add URL`: deliveries from the next entry on (or `--from-start`, `--from-position N`), signed with the secret. */
export const auditSinkAdd: Action = {
  usage: 'audit sink add <url> (--secret-stdin | --secret-file PATH) [--name N] [--from-start | --from-position N]',
  args: ['url'],
  options: {
    name: { type: 'string' },
    'secret-stdin': { type: 'boolean' },
    'secret-file': { type: 'string' },
    'from-start': { type: 'boolean' },
    'from-position': { type: 'string' },
  },
  async run(ctx) {
    const body = {
      url: ctx.positionals[0],
      secret: await secretFrom(ctx),
      from: startOf(ctx),
      ...(flag(ctx, 'name') ? { name: flag(ctx, 'name') } : {}),
    };
    const s = audit.AuditSink.parse(await ctx.api.send('POST', '/v1/audit/sinks', { body }));
    print(ctx, s, () => [`audit sink ${s.name} added: ${s.url}, delivering from position ${s.position + 1}`]);
    return 0;
  },
};

export const auditSinkList: Action = {
  usage: 'audit sink list',
  args: [],
  options: {},
  async run(ctx) {
    const { items } = audit.listSinks.output.parse(await ctx.api.send('GET', '/v1/audit/sinks'));
    print(ctx, { items }, () =>
      items.length
        ? table([['NAME', 'URL', 'POSITION', 'STATE'], ...items.map((s) => [s.name, s.url, String(s.position), stateOf(s)])])
        : ['no audit sinks'],
    );
    return 0;
  },
};

export const auditSinkShow: Action = {
  usage: 'audit sink show <name>',
  args: ['name'],
  options: {},
  async run(ctx) {
    const s = audit.AuditSink.parse(await ctx.api.send('GET', pathOf(ctx.positionals[0])));
    print(ctx, s, () => [
      `name          ${s.name}`,
      `url           ${s.url}`,
      `delivered to  position ${s.position}`,
      `state         ${stateOf(s)}`,
      `dead letters  ${s.deadLetters}`,
      ...(s.lastError ? [`last error    ${s.lastError}`] : []),
      `added         ${s.createdAt}`,
    ]);
    return 0;
  },
};

/** `audit sink resume <name>`: a sink paused on a dead letter tries that entry again. */
export const auditSinkResume: Action = {
  usage: 'audit sink resume <name>',
  args: ['name'],
  options: {},
  async run(ctx) {
    const s = audit.AuditSink.parse(await ctx.api.send('POST', `${pathOf(ctx.positionals[0])}/resume`));
    print(ctx, s, () => [`audit sink ${s.name} resumed at position ${s.position + 1}`]);
    return 0;
  },
};

export const auditSinkRemove: Action = {
  usage: 'audit sink remove <name>',
  args: ['name'],
  options: {},
  async run(ctx) {
    const { removed } = audit.removeSink.output.parse(await ctx.api.send('DELETE', pathOf(ctx.positionals[0])));
    print(ctx, { removed }, () => [`audit sink ${removed.name} removed (delivered to position ${removed.position})`]);
    return 0;
  },
};
