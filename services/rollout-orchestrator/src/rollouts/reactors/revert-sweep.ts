import type { Database } from '@keelson/postgres';
import type { Clock } from '@keelson/service-kit';
import { reachabilityOf } from '../read-models/device-reachability.projection.js';
import { dueRevertTimeouts, revertsAwaited, unnotedReachability } from '../domain/revert-due.js';
import type { Rollouts } from '../rollouts.js';

const actor = { kind: 'service', id: 'rollout-orchestrator' } as const;

/**
 * Aborted-with-`revert` rollouts that may still wait for a revert: an assigned live device whose
 * revert has neither timed out nor reported an outcome. The others are never swept again.
 */
export const awaitingRevertsSql = `v.status = 'aborted' AND v.abort_mode = 'revert' AND EXISTS (
  SELECT 1 FROM rollout_view_devices d WHERE d.fleet = v.fleet AND d.rollout_id = v.rollout_id
    AND d.assigned_at IS NOT NULL AND NOT d.excluded AND NOT d.revert_timed_out
    AND NOT EXISTS (SELECT 1 FROM rollout_device_reverts r WHERE r.fleet = d.fleet AND r.rollout_id = d.rollout_id
      AND r.device_id = d.device_id AND r.state IN ('healthy', 'rolled_back', 'failed')))`;

async function endedReverts(db: Database, fleet: string, rolloutId: string): Promise<Set<string>> {
  const rows = await db.query<{ device_id: string }>(
    `SELECT device_id FROM rollout_device_reverts WHERE fleet = $1 AND rollout_id = $2 AND state IN ('healthy', 'rolled_back', 'failed')`,
    [fleet, rolloutId],
  );
  return new Set(rows.map((r) => r.device_id));
}

/**
 * One sweep of a rollout aborted with `revert`: it notes what the gateway said of the reverting
 * devices since (their revert clocks run only while they are reachable), then times out each
 * revert past its deadline. Stable command ids keep two replicas from doing anything twice.
 */
export async function sweepReverts(o: { rollouts: Rollouts; db: Database; clock: Clock }, fleet: string, rolloutId: string): Promise<void> {
  const { rollouts, db, clock } = o;
  const ref = { fleet, rolloutId };
  const correlationId = `sweep-${rolloutId}`;
  const ended = await endedReverts(db, fleet, rolloutId);
  const state = await rollouts.current(fleet, rolloutId);
  if (state.status === 'absent') return;
  const awaited = revertsAwaited(state, ended);
  for (const [deviceId, { reachable, asOfSeq }] of unnotedReachability(state, awaited, await reachabilityOf(db, fleet, awaited))) {
    const meta = { actor, correlationId, commandId: `revert-reach-${rolloutId}-${deviceId}-${asOfSeq}` };
    await rollouts.execute({ type: 'NoteDeviceReachability', ...ref, deviceId, reachable, asOfSeq, at: clock.now().toISOString() }, meta);
  }
  const now = clock.now();
  const latest = await rollouts.current(fleet, rolloutId);
  if (latest.status === 'absent') return;
  for (const deviceId of dueRevertTimeouts(latest, revertsAwaited(latest, ended), now)) {
    const meta = { actor, correlationId, commandId: `revert-timeout-${rolloutId}-${deviceId}` };
    await rollouts.execute({ type: 'TimeOutRevert', ...ref, deviceId, at: now.toISOString() }, meta);
  }
}
