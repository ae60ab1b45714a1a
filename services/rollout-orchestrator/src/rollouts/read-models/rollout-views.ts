import { InvalidInput, NotFound } from '@keelson/domain-kit';
import type { orchestrator } from '@keelson/requests';
import type { DeviceState, TerminalDeviceState } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import type { LiveRollout } from '../domain/rollout.decider.js';
import type { Rollouts } from '../rollouts.js';
import { rolloutFromDocument, type RolloutFactsDocument } from './rollout-document.js';
import { documentOf, type RolloutSummary, type TargetRow } from './rollout-summary.js';
import { rolloutView, type DeviceProgress } from './rollout-view.js';

type RolloutView = orchestrator.RolloutView;

interface ProgressRow {
  rollout_id: string;
  device_id: string;
  state: DeviceState;
  reason: string | null;
}

/**
 * Rollouts as operators read them. A view is the aggregate state plus the device-progress read
 * model; one rollout is read from its stream (through `Rollouts`' cache), so it shows a command's
 * write the moment the command returned; lists come from the read models.
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

  /**
   * The fleet's rollouts, newest first, from the read model; the cursor is a creation sequence.
   * `status` is the view's: a finished rollout is `succeeded` or `failed` by its outcome.
   */
  async list(
    fleet: string,
    limit: number,
    cursor?: string,
    status?: RolloutView['status'],
  ): Promise<{ items: RolloutView[]; nextCursor?: string }> {
    if (cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const rows = await this.db.query<{ rollout_id: string; summary: RolloutSummary; created_seq: string }>(
      `SELECT rollout_id, summary, created_seq FROM rollout_summaries WHERE fleet = $1 AND ($2::bigint IS NULL OR created_seq < $2)
       AND ($4::text IS NULL OR (CASE WHEN status = 'finished' THEN summary->>'outcome' ELSE status END) = $4)
       ORDER BY created_seq DESC LIMIT $3`,
      [fleet, cursor === undefined ? null : Number(cursor), limit + 1, status ?? null],
    );
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.rollout_id);
    const [progress, outcomes, reverts, targets] = await Promise.all([
      this.progressOf(fleet, ids),
      this.outcomesOf(fleet, ids),
      this.progressOf(fleet, ids, 'rollout_device_reverts'),
      this.targetsOf(fleet, ids),
    ]);
    const items = page.map((r) => {
      const state = rolloutFromDocument(
        documentOf(r.summary, targets.get(r.rollout_id) ?? [], outcomes.get(r.rollout_id) ?? {}),
      ) as LiveRollout;
      return rolloutView(state, progress.get(r.rollout_id) ?? new Map(), reverts.get(r.rollout_id) ?? new Map());
    });
    return rows.length > limit ? { items, nextCursor: String(rows[limit - 1]!.created_seq) } : { items };
  }

  /** Rollouts still under way that target the device (from the read model: an index lookup per device). */
  async activeRolloutsOf(fleet: string, deviceId: string): Promise<string[]> {
    const rows = await this.db.query<{ rollout_id: string }>(
      `SELECT t.rollout_id FROM rollout_targets t JOIN rollout_summaries s ON s.fleet = t.fleet AND s.rollout_id = t.rollout_id
       WHERE t.fleet = $1 AND t.device_id = $2 AND s.status NOT IN ('aborted', 'finished')`,
      [fleet, deviceId],
    );
    return rows.map((r) => r.rollout_id);
  }

  private async targetsOf(fleet: string, rolloutIds: string[]): Promise<Map<string, TargetRow[]>> {
    const out = new Map<string, TargetRow[]>();
    if (rolloutIds.length === 0) return out;
    const rows = await this.db.query<{ rollout_id: string; device_id: string; position: number; record: TargetRow['record'] }>(
      'SELECT rollout_id, device_id, position, record FROM rollout_targets WHERE fleet = $1 AND rollout_id = ANY($2::text[])',
      [fleet, rolloutIds],
    );
    for (const r of rows) {
      const list = out.get(r.rollout_id) ?? [];
      list.push({ deviceId: r.device_id, position: r.position, record: r.record });
      out.set(r.rollout_id, list);
    }
    return out;
  }

  private async outcomesOf(fleet: string, rolloutIds: string[]): Promise<Map<string, RolloutFactsDocument['outcomes']>> {
    const out = new Map<string, RolloutFactsDocument['outcomes']>();
    if (rolloutIds.length === 0) return out;
    const rows = await this.db.query<ProgressRow & { state: TerminalDeviceState }>(
      'SELECT rollout_id, device_id, state, reason FROM rollout_device_outcomes WHERE fleet = $1 AND rollout_id = ANY($2::text[])',
      [fleet, rolloutIds],
    );
    for (const r of rows) {
      const outcomes = out.get(r.rollout_id) ?? {};
      outcomes[r.device_id] = r.reason === null ? { state: r.state } : { state: r.state, reason: r.reason };
      out.set(r.rollout_id, outcomes);
    }
    return out;
  }

  /** Latest reports per rollout and device: about the install (`rollout_device_progress`) or the revert. */
  private async progressOf(
    fleet: string,
    rolloutIds: string[],
    table: 'rollout_device_progress' | 'rollout_device_reverts' = 'rollout_device_progress',
  ): Promise<Map<string, Map<string, DeviceProgress>>> {
    const out = new Map<string, Map<string, DeviceProgress>>();
    if (rolloutIds.length === 0) return out;
    const rows = await this.db.query<ProgressRow>(
      `SELECT rollout_id, device_id, state, reason FROM ${table} WHERE fleet = $1 AND rollout_id = ANY($2::text[])`,
      [fleet, rolloutIds],
    );
    for (const r of rows) {
      const devices = out.get(r.rollout_id) ?? new Map<string, DeviceProgress>();
      devices.set(r.device_id, { deviceId: r.device_id, state: r.state, ...(r.reason === null ? {} : { reason: r.reason }) });
      out.set(r.rollout_id, devices);
    }
    return out;
  }
}
