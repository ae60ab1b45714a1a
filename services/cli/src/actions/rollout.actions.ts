import { gateway, orchestrator } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { print, table, type Action, type ActionContext } from '../action.js';
import { showChannels } from './channel.actions.js';
import { rolloutRequestOf, type RolloutFlags } from './rollout-request.js';

type RolloutView = orchestrator.RolloutView;

/** How the rollout named its devices, and what it left out or took over. */
function targetLines(v: RolloutView): string[] {
  const target = v.groupId ? `group ${v.groupId}` : v.selector ? `selector '${v.selector}'` : `devices ${(v.deviceNames ?? []).join(', ')}`;
  return [
    `rollout ${v.rolloutId}: ${v.artifact.name}@${v.artifact.version}${v.channel ? ` (channel ${v.channel})` : ''} to ${target}${v.retryOf ? `, retrying ${v.retryOf}` : ''}`,
    ...(v.misfits ?? []).map((m) => `left out ${m.deviceId}: ${m.reason}`),
    ...(v.inactive ?? []).map((d) => `left out ${d.deviceId}: ${d.reason}`),
    ...(v.supersedes ?? []).map(
      (s) => `took ${s.deviceIds.join(', ')} over from ${s.rolloutId}${v.supersedeReason ? `: ${v.supersedeReason}` : ''}`,
    ),
  ];
}

/** Device names by id (the first 1,000 devices; others show their id), for the human table only. */
async function deviceNames(ctx: ActionContext): Promise<Record<string, string>> {
  const page = gateway.listDevices.output.parse(await ctx.api.send('GET', '/v1/devices', { query: { limit: '1000' } }));
  return Object.fromEntries(page.items.map((d) => [d.deviceId, d.name]));
}

/** What the state alone hides, compactly: timed out, unreachable (update pending), the revert after an abort with revert. */
function notesOf(d: RolloutView['devices'][number]): string {
  const revert = d.revert
    ? `revert ${d.revert.state === 'healthy' ? 'done' : d.revert.state}${d.revert.reason ? ` (${d.revert.reason})` : ''}`
    : undefined;
  return [d.timedOut ? 'timed out' : undefined, d.unreachable ? 'unreachable' : undefined, revert].filter(Boolean).join(', ') || '-';
}

function describe(v: RolloutView, names: Record<string, string>): string[] {
  const waves = v.strategy.waves.map((w) => `${w.percent}%${w.gate === 'manual' ? ' (manual)' : ''}`).join(', ');
  return [
    ...targetLines(v),
    `status ${v.status}${v.haltReason ? ` (${v.haltReason})` : ''}${v.abortMode ? ` (${v.abortMode})` : ''}, wave ${v.currentWave + 1} of ${v.strategy.waves.length} [${waves}], max failures ${v.strategy.maxFailures}`,
    ...(v.devices.length
      ? table([
          ['DEVICE', 'NAME', 'WAVE', 'STATE', 'NOTES', 'REASON'],
          ...v.devices.map((d) => [d.deviceId, names[d.deviceId] ?? '-', String(d.wave + 1), d.state, notesOf(d), d.reason ?? '']),
        ])
      : []),
  ];
}

const showView = async (ctx: ActionContext, raw: unknown): Promise<number> => {
  const view = orchestrator.RolloutView.parse(raw);
  const names = ctx.json || !view.devices.length ? {} : await deviceNames(ctx);
  print(ctx, view, () => describe(view, names));
  return 0;
};

const path = (ctx: ActionContext, action = '') => `/v1/rollouts/${encodeURIComponent(ctx.positionals[0]!)}${action}`;

export const rolloutCreate: Action = {
  usage:
    "rollout create --artifact NAME@VERSION|NAME@CHANNEL --group GROUP|--device NAME...|--selector 'accelerator=jetson-orin, memoryMb>=8000' --waves 10,50,100 [--gates manual,auto,auto] --probe file:PATH|http:URL|exec:PATH [--probe-arg ARG]... [--probe-timeout S] [--probe-attempts N] [--probe-delay S] [--max-failures N] [--max-failure-percent P --min-finished N] [--max-concurrent N] [--device-timeout S] [--on-misfit reject|exclude] [--supersede REASON]",
  args: [],
  options: {
    ...Object.fromEntries(
      [
        'artifact',
        'group',
        'selector',
        'waves',
        'gates',
        'probe',
        'probe-timeout',
        'probe-attempts',
        'probe-delay',
        'max-failures',
        'max-failure-percent',
        'min-finished',
        'max-concurrent',
        'device-timeout',
        'on-misfit',
        'supersede',
      ].map((o) => [o, { type: 'string' as const }]),
    ),
    device: { type: 'string', multiple: true },
    'probe-arg': { type: 'string', multiple: true },
  },
  async run(ctx) {
    return showView(ctx, await ctx.api.send('POST', '/v1/rollouts', { body: rolloutRequestOf(ctx.values as RolloutFlags) }));
  },
};

export const rolloutShow: Action = {
  usage: 'rollout show <id>',
  args: ['id'],
  options: {},
  run: async (ctx) => showView(ctx, await ctx.api.send('GET', path(ctx))),
};

export const rolloutApprove: Action = {
  usage: 'rollout approve <id>',
  args: ['id'],
  options: {},
  run: async (ctx) => showView(ctx, await ctx.api.send('POST', path(ctx, '/approve'), { body: {} })),
};

export const rolloutHalt: Action = {
  usage: 'rollout halt <id> [--reason TEXT]',
  args: ['id'],
  options: { reason: { type: 'string' } },
  run: async (ctx) =>
    showView(
      ctx,
      await ctx.api.send('POST', path(ctx, '/halt'), { body: typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {} }),
    ),
};

export const rolloutResume: Action = {
  usage: 'rollout resume <id>',
  args: ['id'],
  options: {},
  run: async (ctx) => showView(ctx, await ctx.api.send('POST', path(ctx, '/resume'), { body: {} })),
};

export const rolloutAbort: Action = {
  usage: 'rollout abort <id> --keep|--revert',
  args: ['id'],
  options: { keep: { type: 'boolean' }, revert: { type: 'boolean' } },
  async run(ctx) {
    if (Boolean(ctx.values.keep) === Boolean(ctx.values.revert))
      throw usageError('rollout abort needs exactly one of --keep (devices keep the update) or --revert (devices go back)');
    return showView(ctx, await ctx.api.send('POST', path(ctx, '/abort'), { body: { mode: ctx.values.keep ? 'keep' : 'revert' } }));
  },
};

export const rolloutRetry: Action = {
  usage: 'rollout retry <id> [--on-misfit reject|exclude]',
  args: ['id'],
  options: { 'on-misfit': { type: 'string' } },
  run: async (ctx) =>
    showView(
      ctx,
      await ctx.api.send('POST', path(ctx, '/retry'), {
        body: typeof ctx.values['on-misfit'] === 'string' ? { onMisfit: ctx.values['on-misfit'] } : {},
      }),
    ),
};

/** `rollout promote <id> --channel stable`: the rollout must have succeeded. */
export const rolloutPromote: Action = {
  usage: 'rollout promote <id> --channel CHANNEL [--reason TEXT]',
  args: ['id'],
  options: { channel: { type: 'string' }, reason: { type: 'string' } },
  async run(ctx) {
    const channel = ctx.values.channel;
    if (typeof channel !== 'string') throw usageError('rollout promote needs --channel CHANNEL');
    const body = { channel, ...(typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {}) };
    return showChannels(ctx, await ctx.api.send('POST', path(ctx, '/promote'), { body }));
  },
};
