import { orchestrator } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, table, type Action, type ActionContext } from '../action.js';

type RolloutView = orchestrator.RolloutView;

const statuses = orchestrator.RolloutStatus.options;
const defaultLimit = 20;

function limitOf(ctx: ActionContext): number {
  const raw = flag(ctx, 'limit');
  if (raw === undefined) return defaultLimit;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000)
    throw usageError(`--limit must be a whole number from 1 to 1000, got '${raw}'`);
  return Number(raw);
}

function statusOf(ctx: ActionContext): RolloutView['status'] | undefined {
  const raw = flag(ctx, 'status');
  if (raw === undefined) return undefined;
  const status = statuses.find((s) => s === raw);
  if (!status) throw usageError(`--status takes one of ${statuses.join(', ')}, got '${raw}'`);
  return status;
}

/** The newest `limit` rollouts of the fleet, or the newest with `status` (`GET /v1/rollouts?status=` filters). */
async function newestRollouts(ctx: ActionContext, limit: number, status: RolloutView['status'] | undefined): Promise<RolloutView[]> {
  const page = orchestrator.listRollouts.output.parse(
    await ctx.api.send('GET', '/v1/rollouts', { query: { limit: String(limit), status } }),
  );
  return page.items;
}

const waveOf = (r: RolloutView) => `${Math.min(r.currentWave + 1, r.strategy.waves.length)}/${r.strategy.waves.length}`;
const timeOf = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

/** `rollout list [--status S] [--limit N]`: a table of the newest rollouts (id, artifact, status, wave, devices, created). */
export const rolloutList: Action = {
  usage: `rollout list [--status ${statuses.join('|')}] [--limit N]`,
  args: [],
  options: { status: { type: 'string' }, limit: { type: 'string' } },
  async run(ctx) {
    const limit = limitOf(ctx);
    const status = statusOf(ctx);
    const items = await newestRollouts(ctx, limit, status);
    print(ctx, { items }, () =>
      items.length
        ? table([
            ['ROLLOUT', 'ARTIFACT', 'STATUS', 'WAVE', 'DEVICES', 'CREATED'],
            ...items.map((r) => [
              r.rolloutId,
              `${r.artifact.name}@${r.artifact.version}`,
              r.status,
              waveOf(r),
              String(r.deviceCount ?? r.devices.length),
              timeOf(r.createdAt),
            ]),
          ])
        : [status ? `no ${status} rollouts` : 'no rollouts'],
    );
    return 0;
  },
};
