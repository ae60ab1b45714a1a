import { orchestrator } from '@keelson/requests';
import { CliError } from '../cli-io.js';
import type { Action } from '../action.js';
import { readSse } from '../sse-reader.js';
import { evidenceLines, lookLine } from './experiment-evidence.js';

interface StoredEvent {
  type?: string;
  time?: string;
  data?: Record<string, unknown>;
}

/** One line per experiment event, as a person reads it. */
function lineOf(data: StoredEvent): string {
  const d = data.data ?? {};
  const at = data.time ? `${data.time} ` : '';
  switch (data.type) {
    case 'ExperimentCreated':
      return `${at}created: ${String(d.artifactName)} ${String(d.candidate)} against ${String(d.baseline)}, split ${String(d.split)}%`;
    case 'ExperimentArmsAssigned':
      return `${at}arms: candidate ${(d.candidateDeviceIds as string[]).length}, control ${(d.controlDeviceIds as string[]).length}, untouched ${String(d.untouchedCount)}`;
    case 'ExperimentRolloutStarted':
      return `${at}${String(d.arm)} rollout ${String(d.rolloutId)} started`;
    case 'ExperimentDecided':
      return `${at}decided ${String(d.outcome)} (${String(d.decidedBy)}): ${String(d.reason)}`;
    case 'ExperimentStopped':
      return `${at}stopped: ${String(d.reason)}`;
    case 'ExperimentSettled':
      return `${at}verdict carried out`;
    default:
      return `${at}${data.type ?? 'event'}`;
  }
}

/** A verdict's lines: what was decided, then the numbers it was made on (an automatic verdict carries them). */
function verdictLines(event: StoredEvent): string[] {
  const evidence = orchestrator.ExperimentLook.safeParse({
    judgedAt: event.data?.decidedAt,
    ...(event.data?.evidence as object | undefined),
  });
  return [lineOf(event), ...(event.data?.evidence && evidence.success ? evidenceLines(evidence.data).map((l) => `  ${l}`) : [])];
}

/** Where the experiment stands as the watch starts: its status, and the loop's latest look if it has looked yet. */
const snapshotLines = (view: orchestrator.ExperimentView): string[] => [
  `experiment ${view.experimentId}: ${view.status}`,
  ...(view.lastLook ? [lookLine(view.lastLook)] : []),
];

/**
 * `experiment watch <id>`: follows the api's SSE stream until the verdict is carried out: a line per
 * experiment event, a line per new look of the decision loop (each test's figures), and a verdict
 * with the evidence it was made on. An inconclusive verdict waits for a person: a watch that saw it
 * come ends there, saying how to decide; one started while it waited follows the person's verdict.
 * Exit 0 when promoted, 1 otherwise. `--json`: each SSE message as a JSON line.
 */
export const experimentWatch: Action = {
  usage: 'experiment watch <id>',
  args: ['id'],
  options: {},
  async run(ctx) {
    const id = ctx.positionals[0]!;
    const body = await ctx.api.openStream(`/v1/experiments/${encodeURIComponent(id)}/events`);
    // Only a verdict reached while watching ends the watch at inconclusive; on one that already waited, the watch follows what a person does.
    let stopAtInconclusive = false;
    for await (const message of readSse(body)) {
      if (message.event === 'error')
        throw new CliError((message.data as { error?: { message?: string } }).error?.message ?? 'the event stream failed', 1, message.data);
      const event = message.data as StoredEvent;
      if (ctx.json) ctx.io.stdout(`${JSON.stringify(message)}\n`);
      else if (message.event === 'snapshot')
        ctx.io.stdout(
          snapshotLines(orchestrator.ExperimentView.parse(message.data))
            .map((l) => `${l}\n`)
            .join(''),
        );
      else if (message.event === 'look') ctx.io.stdout(`${lookLine(orchestrator.ExperimentLook.parse(message.data))}\n`);
      else if (message.event === 'experiment')
        ctx.io.stdout(`${(event.type === 'ExperimentDecided' ? verdictLines(event) : [lineOf(event)]).join('\n')}\n`);
      if (message.event === 'snapshot') stopAtInconclusive = (message.data as { status: string }).status === 'running';
      if (message.event === 'experiment' && event.type === 'ExperimentDecided' && event.data?.outcome === 'inconclusive') {
        const decide = `waiting for a person: keelson experiment decide ${id} --promote|--abort --reason TEXT`;
        if (!ctx.json) ctx.io.stdout(stopAtInconclusive ? `ended: inconclusive, ${decide}\n` : `${decide}\n`);
        if (stopAtInconclusive) return 1;
      }
      if (message.event === 'end') {
        const { status } = message.data as { status: string };
        if (!ctx.json) ctx.io.stdout(`ended: ${status}\n`);
        return status === 'promoted' ? 0 : 1;
      }
    }
    throw new CliError(`the event stream closed before the experiment ended; run \`keelson experiment watch ${id}\` again`);
  },
};
