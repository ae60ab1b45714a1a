import { orchestrator, registry } from '@keelson/requests';
import { CliError } from '../cli-io.js';
import type { Action, ActionContext } from '../action.js';
import { readSse, type SseMessage } from '../sse-reader.js';
import { RolloutWatcher } from './rollout-watcher.js';

/**
 * Under the snapshot's line: when the artifact was signed into the fleet's TUF metadata (published),
 * from the artifact itself. The watch goes on without the line if the artifact cannot be read.
 */
async function signedLines(ctx: ActionContext, message: SseMessage): Promise<string[]> {
  const view = orchestrator.RolloutView.safeParse(message.data);
  if (!view.success) return [];
  const { name, version } = view.data.artifact;
  try {
    const artifact = registry.ArtifactView.parse(
      await ctx.api.send('GET', `/v1/artifacts/${encodeURIComponent(name)}/${encodeURIComponent(version)}`),
    );
    return artifact.publishedAt ? [`${name}@${version} signed ${artifact.publishedAt} (sha256 ${artifact.sha256.slice(0, 12)})`] : [];
  } catch (err) {
    if (err instanceof CliError) return [];
    throw err;
  }
}

/**
 * `rollout watch <id>`: follows the api's SSE stream and prints a line per device state and rollout
 * transition, devices by name (a rollback names the version it restored), when the artifact was
 * signed, a summary line per wave and the fleet impact. After an abort with
 * `revert` it goes on with each device's revert until the api ends the stream (every revert done
 * or waiting for an offline device, which it names). Exit 0 when the
 * rollout succeeded, 1 when it failed or was aborted. Under `--json` each SSE message is one JSON
 * line (`{"event","data"}`).
 */
export const rolloutWatch: Action = {
  usage: 'rollout watch <id>',
  args: ['id'],
  options: {},
  async run(ctx) {
    const body = await ctx.api.openStream(`/v1/rollouts/${encodeURIComponent(ctx.positionals[0]!)}/events`);
    const watcher = new RolloutWatcher();
    for await (const message of readSse(body)) {
      if (message.event === 'error')
        throw new CliError((message.data as { error?: { message?: string } }).error?.message ?? 'the event stream failed', 1, message.data);
      const { lines, end } = watcher.take(message);
      if (ctx.json) ctx.io.stdout(`${JSON.stringify(message)}\n`);
      else
        for (const line of [...lines, ...(message.event === 'snapshot' ? await signedLines(ctx, message) : [])]) ctx.io.stdout(`${line}\n`);
      if (end) return end === 'succeeded' ? 0 : 1;
    }
    throw new CliError(`the event stream closed before the rollout finished; run \`keelson rollout watch ${ctx.positionals[0]}\` again`);
  },
};
