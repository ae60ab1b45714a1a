import { isUnfinished, type SupersededRollout } from '@keelson/events';
import type { ClaimsTx } from './rollout-claims.js';
import type { Rollouts } from '../rollouts.js';

/**
 * The active rollouts that hold any of `deviceIds`, per the claims index, confirmed against each
 * rollout's own stream (the index trails the streams by a moment): a device that rollout already
 * finished with, excluded, or a rollout that ended, is no conflict, and its stale claim is dropped.
 */
export async function activeConflicts(rollouts: Rollouts, tx: ClaimsTx, fleet: string, deviceIds: string[]): Promise<SupersededRollout[]> {
  const conflicts: SupersededRollout[] = [];
  for (const claim of await tx.holding(deviceIds)) {
    const state = await rollouts.current(fleet, claim.rolloutId);
    const active = state.status !== 'absent' && state.status !== 'finished' && state.status !== 'aborted';
    const held = active
      ? claim.deviceIds.filter((d) => state.facts.devices.isMember(d) && isUnfinished(state.facts.devices.record(d)))
      : [];
    const kept = new Set(held); // a lookup per claim: a takeover of 100,000 devices must not cost 100,000²
    const stale = claim.deviceIds.filter((d) => !kept.has(d));
    if (stale.length > 0) await tx.release(claim.rolloutId, stale);
    if (held.length > 0) conflicts.push({ rolloutId: claim.rolloutId, deviceIds: held });
  }
  return conflicts;
}
