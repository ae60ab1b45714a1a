import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { CliError, usageError } from '../cli-io.js';
import { flag, type Action, type ActionContext } from '../action.js';

const formats = ['ndjson', 'csv'];
const narrowing = ['rollout', 'device', 'artifact'] as const;

/** Standard output as a stream, so a slow reader of the pipe holds the download back. */
function stdoutOf(ctx: ActionContext): Writable {
  if (ctx.io.stdoutStream) return ctx.io.stdoutStream;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      ctx.io.stdout(chunk.toString('utf8'));
      done();
    },
  });
}

/**
 * `audit export`: every audit entry of the fleet in a time window, as NDJSON or CSV, narrowed to one
 * rollout, device or artifact. The API streams it; the CLI passes the bytes on as they come, so an
 * export of any size runs in little memory. An export the API cut off ends with exit code 1. CSV fields
 * that would open as spreadsheet formulas get a leading `'` unless `--raw` asks for the exact bytes.
 */
export const auditExport: Action = {
  usage: 'audit export --since ISO --until ISO [--format ndjson|csv [--raw]] [--rollout ID|--device ID|--artifact NAME] [--output FILE]',
  args: [],
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    format: { type: 'string' },
    output: { type: 'string' },
    rollout: { type: 'string' },
    device: { type: 'string' },
    artifact: { type: 'string' },
    raw: { type: 'boolean' },
  },
  async run(ctx) {
    const [since, until] = [flag(ctx, 'since'), flag(ctx, 'until')];
    if (!since || !until) throw usageError('audit export needs --since and --until (ISO times, such as 2026-01-01T00:00:00Z)');
    const format = flag(ctx, 'format') ?? 'ndjson';
    if (!formats.includes(format)) throw usageError(`--format must be ndjson or csv, got '${format}'`);
    const given = narrowing.filter((k) => flag(ctx, k) !== undefined);
    if (given.length > 1)
      throw usageError(`give at most one of --rollout, --device and --artifact (got ${given.map((k) => `--${k}`).join(', ')})`);
    const raw = ctx.values.raw ? { raw: 'true' } : {};
    const query = { since, until, format, ...raw, ...Object.fromEntries(given.map((k) => [k, flag(ctx, k)])) };
    const body = Readable.fromWeb((await ctx.api.download('/v1/audit/export', query)) as ReadableStream<Uint8Array>);
    const output = flag(ctx, 'output');
    try {
      if (!output) return await pipeline(body, stdoutOf(ctx), { end: false }).then(() => 0);
      // Written beside the file and renamed when complete: a cut-off export never passes for a whole one.
      const partial = `${output}.partial`;
      await pipeline(body, createWriteStream(partial)).catch(async (err: unknown) => {
        await rm(partial, { force: true });
        throw err;
      });
      await rename(partial, output);
      return 0;
    } catch (err) {
      throw new CliError(`the audit export did not complete: ${err instanceof Error ? err.message : String(err)}`);
    }
  },
};
