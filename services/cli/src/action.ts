import type { ParseArgsConfig } from 'node:util';
import type { ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';

/** What an action gets: the API client, its parsed flags and arguments, and where to print. */
export interface ActionContext {
  api: ApiClient;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  json: boolean;
  io: CliIo;
}

/** One action: what `keelson <noun> <verb>` runs (`rollout show`). Returns the exit code. */
export interface Action {
  /** e.g. `rollout abort <id> --keep|--revert`. */
  usage: string;
  /** The positional arguments it takes, by name. */
  args: string[];
  options: NonNullable<ParseArgsConfig['options']>;
  /** Runs without the API (no token, no network): the offline root ceremony. */
  offline?: boolean;
  run(ctx: ActionContext): Promise<number>;
}

/** Prints `data` as JSON under `--json`, else the human lines. */
export function print(ctx: ActionContext, data: unknown, human: () => string[]): void {
  if (ctx.json) ctx.io.stdout(`${JSON.stringify(data, null, 2)}\n`);
  else for (const line of human()) ctx.io.stdout(`${line}\n`);
}

/** A flag's string value (parseArgs types every option as string | boolean). */
export const flag = (ctx: ActionContext, name: string): string | undefined => {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** Columns padded to their widest cell, for lists. */
export function table(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}
