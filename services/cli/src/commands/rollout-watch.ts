import { CliError } from '../cli-io.js';
import type { Command } from '../command.js';
import { readSse } from '../sse-reader.js';
import { RolloutWatcher } from './rollout-watcher.js';

/**
 * `rollout watch <id>`: follows the api's SSE stream and prints a line per device state and rollout
 * transition, devices by name, a summary line per wave and the fleet impact. After an abort with
 * `revert` it goes on with each device's revert until the api ends the stream (every revert done
 * or waiting for an offline device, which it names). Exit 0 when the
 * rollout succeeded, 1 when it failed or was aborted. Under `--json` each SSE message is one JSON
 * line (`{"event","data"}`).
 */
export const rolloutWatch: Command = {
  usage: 'rollout watch <id>',
  args: ['id'],
  options: {},
  async run(ctx) {
    const body = await ctx.api.openStream(`/v1/rollouts/${encodeURIComponent(ctx.positionals[0]!)}/events`);
    const watcher = new RolloutWatcher();
    for await (const message of readSse(body)) {
      if (message.event === 'error') throw new CliError((message.data as { error?: { message?: string } }).error?.message ?? 'the event stream failed', 1, message.data);
      const { lines, end } = watcher.take(message);
      if (ctx.json) ctx.io.stdout(`${JSON.stringify(message)}\n`);
      else for (const line of lines) ctx.io.stdout(`${line}\n`);
      if (end) return end === 'succeeded' ? 0 : 1;
    }
    throw new CliError(`the event stream closed before the rollout finished; run \`keelson rollout watch ${ctx.positionals[0]}\` again`);
  },
};
