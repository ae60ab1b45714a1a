import { InvalidInput, NotFound } from '@keelson/domain-kit';
import { orchestrator } from '@keelson/requests';
import type { DeviceState } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import type { LiveRollout } from '../domain/rollout.decider.js';
import type { Rollouts } from '../rollouts.js';
import { rolloutView, viewOfRows, type DeviceProgress } from './rollout-view.js';
import type { DeviceViewRow } from './rollout-view-row.js';
import {
  deviceOfColumns,
  viewRowOfColumns,
  waveOfColumns,
  type DeviceColumns,
  type ViewColumns,
  type WaveColumns,
} from './rollout-view.tables.js';

type RolloutView = orchestrator.RolloutView;

interface ProgressRow {
  rollout_id: string;
  device_id: string;
  state: DeviceState;
  reason: string | null;
}

/** Rows of several rollouts, grouped by rollout. */
function byRollout<R extends { rollout_id: string }, T>(rows: R[], of: (r: R) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.rollout_id) ?? [];
    list.push(of(r));
    out.set(r.rollout_id, list);
  }
  return out;
}

/**
 * Rollouts as operators read them. One rollout is read from its stream (through `Rollouts`' cache),
 * so it shows a command's write the moment the command returned; lists come from the view rows
 * (`rollout_views`, `rollout_view_waves`, `rollout_view_devices`). Both add the device-progress read
 * models and render by the same rule (`viewOfRows`).
 */
export class RolloutViews {
  constructor(
    private readonly rollouts: Rollouts,
    private readonly db: Database,
  ) {}

  async view(state: LiveRollout): Promise<RolloutView> {
    const { fleet, rolloutId } = state.facts;
    const [progress, reverts] = await Promise.all([
      this.progressOf(fleet, [rolloutId]),
      this.progressOf(fleet, [rolloutId], 'rollout_device_reverts'),
    ]);
    return rolloutView(state, progress.get(rolloutId) ?? new Map(), reverts.get(rolloutId) ?? new Map());
  }

  /** One rollout, read from its stream so it is visible the moment a command returned. */
  async get(fleet: string, rolloutId: string): Promise<RolloutView> {
    const state = await this.rollouts.current(fleet, rolloutId);
    if (state.status === 'absent') throw new NotFound('rollout', rolloutId);
    return this.view(state);
  }

  /** The fleet's rollouts, newest first, from the view rows; the cursor is a creation sequence; `status` is the view's. */
  async list(
    fleet: string,
    limit: number,
    cursor?: string,
    status?: RolloutView['status'],
  ): Promise<{ items: RolloutView[]; nextCursor?: string }> {
    if (cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const rows = await this.db.query<ViewColumns>(
      `SELECT * FROM rollout_views WHERE fleet = $1 AND ($2::bigint IS NULL OR created_seq < $2) AND ($4::text IS NULL OR status = $4)
       ORDER BY created_seq DESC LIMIT $3`,
      [fleet, cursor === undefined ? null : Number(cursor), limit + 1, status ?? null],
    );
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.rollout_id);
    const [progress, reverts, waves, devices] = await Promise.all([
      this.progressOf(fleet, ids),
      this.progressOf(fleet, ids, 'rollout_device_reverts'),
      this.wavesOf(fleet, ids),
      this.listedDevicesOf(fleet, ids),
    ]);
    const items = page.map((r) =>
      viewOfRows(viewRowOfColumns(r), waves.get(r.rollout_id) ?? [], devices.get(r.rollout_id) ?? [], {
        progress: progress.get(r.rollout_id) ?? new Map(),
        reverts: reverts.get(r.rollout_id) ?? new Map(),
      }),
    );
    return rows.length > limit ? { items, nextCursor: String(rows[limit - 1]!.created_seq) } : { items };
  }

  /** Rollouts still under way that target the device (from the view rows: an index lookup per device). */
  async activeRolloutsOf(fleet: string, deviceId: string): Promise<string[]> {
    const rows = await this.db.query<{ rollout_id: string }>(
      `SELECT d.rollout_id FROM rollout_view_devices d JOIN rollout_views v ON v.fleet = d.fleet AND v.rollout_id = d.rollout_id
       WHERE d.fleet = $1 AND d.device_id = $2 AND v.status NOT IN ('aborted', 'succeeded', 'failed')`,
      [fleet, deviceId],
    );
    return rows.map((r) => r.rollout_id);
  }

  private async wavesOf(fleet: string, rolloutIds: string[]): Promise<Map<string, orchestrator.WaveSummary[]>> {
    if (rolloutIds.length === 0) return new Map();
    const rows = await this.db.query<WaveColumns>(
      'SELECT * FROM rollout_view_waves WHERE fleet = $1 AND rollout_id = ANY($2::text[]) ORDER BY rollout_id, wave',
      [fleet, rolloutIds],
    );
    return byRollout(rows, waveOfColumns);
  }

  /** Each rollout's first `maxViewDevices` devices, in rollout order (by the order index). */
  private async listedDevicesOf(fleet: string, rolloutIds: string[]): Promise<Map<string, DeviceViewRow[]>> {
    if (rolloutIds.length === 0) return new Map();
    const rows = await this.db.query<DeviceColumns>(
      `SELECT * FROM rollout_view_devices WHERE fleet = $1 AND rollout_id = ANY($2::text[]) AND position < $3
       ORDER BY rollout_id, position`,
      [fleet, rolloutIds, orchestrator.maxViewDevices],
    );
    return byRollout(rows, deviceOfColumns);
  }

  /** Latest reports per rollout and device: about the install (`rollout_device_progress`) or the revert. */
  private async progressOf(
    fleet: string,
    rolloutIds: string[],
    table: 'rollout_device_progress' | 'rollout_device_reverts' = 'rollout_device_progress',
  ): Promise<Map<string, Map<string, DeviceProgress>>> {
    if (rolloutIds.length === 0) return new Map();
    const rows = await this.db.query<ProgressRow>(
      `SELECT rollout_id, device_id, state, reason FROM ${table} WHERE fleet = $1 AND rollout_id = ANY($2::text[])`,
      [fleet, rolloutIds],
    );
    const progress = (r: ProgressRow): [string, DeviceProgress] => [
      r.device_id,
      { deviceId: r.device_id, state: r.state, ...(r.reason === null ? {} : { reason: r.reason }) },
    ];
    return new Map([...byRollout(rows, progress)].map(([id, list]) => [id, new Map(list)]));
  }
}
