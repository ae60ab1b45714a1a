import { CliError } from '../cli-io.js';
import type { Command } from '../command.js';
import { readSse } from '../sse-reader.js';

/** One line per experiment event, as a person reads it. */
function lineOf(data: { type?: string; time?: string; data?: Record<string, unknown> }): string {
  const d = data.data ?? {};
  const at = data.time ? `${data.time} ` : '';
  switch (data.type) {
    case 'ExperimentCreated': return `${at}created: ${String(d.artifactName)} ${String(d.candidate)} against ${String(d.baseline)}, split ${String(d.split)}%`;
    case 'ExperimentArmsAssigned': return `${at}arms: candidate ${(d.candidateDeviceIds as string[]).length}, control ${(d.controlDeviceIds as string[]).length}, untouched ${String(d.untouchedCount)}`;
    case 'ExperimentRolloutStarted': return `${at}${String(d.arm)} rollout ${String(d.rolloutId)} started`;
    case 'ExperimentDecided': return `${at}decided ${String(d.outcome)} (${String(d.decidedBy)}): ${String(d.reason)}`;
    case 'ExperimentStopped': return `${at}stopped: ${String(d.reason)}`;
    case 'ExperimentSettled': return `${at}verdict carried out`;
    default: return `${at}${data.type ?? 'event'}`;
  }
}

/**
 * `experiment watch <id>`: follows the api's SSE stream, a line per experiment event, until the
 * verdict is carried out. Exit 0 when promoted, 1 otherwise. `--json`: each SSE message as a JSON line.
 */
export const experimentWatch: Command = {
  usage: 'experiment watch <id>',
  args: ['id'],
  options: {},
  async run(ctx) {
    const body = await ctx.api.openStream(`/v1/experiments/${encodeURIComponent(ctx.positionals[0]!)}/events`);
    for await (const message of readSse(body)) {
      if (message.event === 'error') throw new CliError((message.data as { error?: { message?: string } }).error?.message ?? 'the event stream failed', 1, message.data);
      if (ctx.json) ctx.io.stdout(`${JSON.stringify(message)}\n`);
      else if (message.event === 'snapshot') ctx.io.stdout(`experiment ${(message.data as { experimentId: string }).experimentId}: ${(message.data as { status: string }).status}\n`);
      else if (message.event === 'experiment') ctx.io.stdout(`${lineOf(message.data as Parameters<typeof lineOf>[0])}\n`);
      if (message.event === 'end') {
        const { status } = message.data as { status: string };
        if (!ctx.json) ctx.io.stdout(`ended: ${status}\n`);
        return status === 'promoted' ? 0 : 1;
      }
    }
    throw new CliError(`the event stream closed before the experiment ended; run \`keelson experiment watch ${ctx.positionals[0]}\` again`);
  },
};
