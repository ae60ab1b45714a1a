import { usageError } from '../cli-io.js';
import { flag, type ActionContext } from '../action.js';

/** `--limit N` and `--cursor C`, shared by every list command that reads one page at a time. */
export const pageOptions = { limit: { type: 'string' }, cursor: { type: 'string' } } as const;

/** The page query: `--limit` checked here (a whole number), its range and the cursor left to the API. */
export function pageQuery(ctx: ActionContext, defaultLimit?: number): { limit?: string; cursor?: string } {
  const limit = flag(ctx, 'limit') ?? defaultLimit?.toString();
  if (limit !== undefined && !/^\d+$/.test(limit)) throw usageError(`--limit must be a whole number, got '${limit}'`);
  const cursor = flag(ctx, 'cursor');
  if (ctx.values.cursor !== undefined && !cursor) throw usageError('--cursor needs the cursor a previous page printed');
  return { limit, cursor };
}

// A flag value as the shell needs it retyped: bare when safe, else single-quoted.
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * The command line that reads the next page: the same command and flags with `--cursor`.
 * `--json` output carries `nextCursor` itself, so this is for people reading the table.
 */
export function nextPageLine(ctx: ActionContext, command: string, nextCursor: string): string {
  const flags = Object.entries(ctx.values).flatMap(([name, value]) => {
    if (name === 'cursor' || name === 'json' || value === undefined || value === false) return [];
    return value === true ? [`--${name}`] : [`--${name}`, shellWord(value)];
  });
  return `more: keelson ${[command, ...flags, '--cursor', shellWord(nextCursor)].join(' ')}`;
}

/** Tells a human reader that the list goes on, and how to read on (on stderr, so stdout stays the table). */
export function reportMore(ctx: ActionContext, command: string, nextCursor: string | undefined): void {
  if (nextCursor !== undefined && !ctx.json) ctx.io.stderr(`${nextPageLine(ctx, command, nextCursor)}\n`);
}
