import { orchestrator } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { print, table, type Action, type ActionContext } from '../action.js';
import { evidenceLines, historyLines } from './experiment-evidence.js';
import { experimentCreateOptions, experimentRequestOf, type ExperimentFlags } from './experiment-request.js';

type ExperimentView = orchestrator.ExperimentView;
type ExperimentLook = orchestrator.ExperimentLook;

function describe(v: ExperimentView): string[] {
  const { plan, onSuccess, decision } = v;
  return [
    `experiment ${v.experimentId}: ${v.artifactName} ${v.candidate} (candidate) against ${v.baseline} (baseline) on group ${v.groupId}, split ${v.split}%`,
    `primary ${plan.primary}${plan.guardrails.length ? `, guardrails ${plan.guardrails.join(', ')}` : ''}, min samples ${plan.minSamples}, max duration ${plan.maxDurationSeconds}s, alpha ${plan.alpha}`,
    `on success: ${onSuccess.promote ? `promote to ${onSuccess.promote}` : 'no channel'}${onSuccess.thenRollout ? ', then roll out to the rest of the group' : ''}`,
    `status ${v.status}${v.settled ? '' : v.status === 'running' || v.status === 'inconclusive' ? '' : ' (carrying out)'}${v.stopReason ? ` (${v.stopReason})` : ''}`,
    ...(decision ? [`decided ${decision.outcome} by ${decision.decidedBy} at ${decision.decidedAt}: ${decision.reason}`] : []),
    ...table([
      ['ARM', 'DEVICES', 'ROLLOUT'],
      ['candidate', v.arms.candidate.join(', '), v.rollouts.candidate ?? '-'],
      ['control', v.arms.control.join(', ') || '-', '-'],
      ['untouched', `${v.arms.untouchedCount} devices`, v.rollouts.followUp ? `follow-up ${v.rollouts.followUp}` : '-'],
      ...(v.rollouts.revert ? [['revert', v.arms.candidate.join(', '), v.rollouts.revert]] : []),
    ]),
    ...(v.lastLook ? evidenceLines(v.lastLook) : []),
  ];
}

export function showExperiment(ctx: ActionContext, raw: unknown): number {
  const view = orchestrator.ExperimentView.parse(raw);
  print(ctx, view, () => describe(view));
  return 0;
}

const path = (ctx: ActionContext, action = '') => `/v1/experiments/${encodeURIComponent(ctx.positionals[0]!)}${action}`;

export const experimentCreate: Action = {
  usage:
    'experiment create --candidate NAME@VERSION --baseline NAME@VERSION --group GROUP --split 1-50 --primary METRIC:higher|lower [--guardrail METRIC:max+N%]... --min-samples N --max-duration 2h --probe file:PATH|http:URL|exec:PATH [--on-success promote:CHANNEL] [--then-rollout [--waves 25,100]] [--alpha A]',
  args: [],
  options: experimentCreateOptions,
  run: async (ctx) =>
    showExperiment(ctx, await ctx.api.send('POST', '/v1/experiments', { body: experimentRequestOf(ctx.values as ExperimentFlags) })),
};

export const experimentList: Action = {
  usage: 'experiment list [--limit N]',
  args: [],
  options: { limit: { type: 'string' } },
  async run(ctx) {
    const limit = typeof ctx.values.limit === 'string' ? ctx.values.limit : '100';
    const page = orchestrator.listExperiments.output.parse(await ctx.api.send('GET', '/v1/experiments', { query: { limit } }));
    print(ctx, page, () =>
      page.items.length
        ? table([
            ['EXPERIMENT', 'ARTIFACT', 'CANDIDATE', 'BASELINE', 'GROUP', 'SPLIT', 'STATUS', 'CREATED'],
            ...page.items.map((v) => [
              v.experimentId,
              v.artifactName,
              v.candidate,
              v.baseline,
              v.groupId,
              `${v.split}%`,
              v.status,
              v.createdAt,
            ]),
          ])
        : ['no experiments'],
    );
    return 0;
  },
};

/** Every look of the experiment, oldest first, read a page at a time from `GET /v1/experiments/:id/looks`. */
async function readLooks(ctx: ActionContext, experimentId: string): Promise<ExperimentLook[]> {
  const looks: ExperimentLook[] = [];
  let cursor: string | undefined;
  do {
    const raw = await ctx.api.send('GET', `/v1/experiments/${encodeURIComponent(experimentId)}/looks`, {
      query: { limit: '1000', cursor },
    });
    const page = orchestrator.listExperimentLooks.output.parse(raw);
    looks.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return looks;
}

/** `experiment show <id> [--history]`: `--history` adds the primary metric per arm at each look (`--json`: the looks too). */
export const experimentShow: Action = {
  usage: 'experiment show <id> [--history]',
  args: ['id'],
  options: { history: { type: 'boolean' } },
  async run(ctx) {
    const view = orchestrator.ExperimentView.parse(await ctx.api.send('GET', path(ctx)));
    if (!ctx.values.history) return showExperiment(ctx, view);
    const looks = await readLooks(ctx, view.experimentId);
    print(ctx, { ...view, looks }, () => [...describe(view), ...historyLines(looks)]);
    return 0;
  },
};

export const experimentStop: Action = {
  usage: 'experiment stop <id> [--reason TEXT]',
  args: ['id'],
  options: { reason: { type: 'string' } },
  run: async (ctx) =>
    showExperiment(
      ctx,
      await ctx.api.send('POST', path(ctx, '/stop'), { body: typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {} }),
    ),
};

/** `experiment decide <id> --promote|--abort --reason TEXT`: a person's verdict, audited with who and why. */
export const experimentDecide: Action = {
  usage: 'experiment decide <id> --promote|--abort --reason TEXT',
  args: ['id'],
  options: { promote: { type: 'boolean' }, abort: { type: 'boolean' }, reason: { type: 'string' } },
  async run(ctx) {
    const { promote, abort, reason } = ctx.values;
    if (Boolean(promote) === Boolean(abort)) throw usageError('experiment decide needs exactly one of --promote or --abort');
    if (typeof reason !== 'string' || !reason) throw usageError('experiment decide needs --reason TEXT: the audit records why');
    return showExperiment(
      ctx,
      await ctx.api.send('POST', path(ctx, '/decide'), { body: { outcome: promote ? 'promote' : 'abort', reason } }),
    );
  },
};
