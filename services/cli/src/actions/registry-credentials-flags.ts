import { readFileSync } from 'node:fs';
import { usageError } from '../cli-io.js';
import { flag, type ActionContext } from '../action.js';

/** The flags that carry credentials: never a password on the command line, where `ps` and shell history see it. */
export const credentialOptions = { username: { type: 'string' }, 'password-stdin': { type: 'boolean' } } as const;

/**
 * `--username U --password-stdin`: the password (or token) is standard input with one trailing
 * newline removed, as `docker login --password-stdin` reads it. Both or neither.
 */
export async function credentialsFrom(ctx: ActionContext): Promise<{ username: string; password: string } | undefined> {
  const username = flag(ctx, 'username');
  const fromStdin = ctx.values['password-stdin'] === true;
  if (username === undefined && !fromStdin) return undefined;
  if (username === undefined || !fromStdin)
    throw usageError('--username and --password-stdin go together (the password is read from standard input)');
  if (!ctx.io.readStdin) throw usageError('--password-stdin: standard input cannot be read here');
  const password = (await ctx.io.readStdin()).replace(/\r?\n$/, '');
  if (!password) throw usageError('--password-stdin: standard input was empty');
  return { username, password };
}

/** `--ca-file PEM`: a CA certificate trusted for this registry besides the system's. */
export function caPemFrom(ctx: ActionContext): string | undefined {
  const path = flag(ctx, 'ca-file');
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`--ca-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
