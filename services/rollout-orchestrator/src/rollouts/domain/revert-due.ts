import { deviceTimeoutSecondsOf } from '@keelson/events';
import { deadlineOf } from './device-clock.js';
import { isRevertTracked } from './decisions/time-out-revert.js';
import { isReverting, revertClockOf } from './rollout-phase.js';
import { assignedDevices, type LiveRollout } from './rollout.evolve.js';

type Reach = { reachable: boolean; asOfSeq: number };

/**
 * After an abort with `revert`, the devices whose revert is still waited for: they got one, it has
 * not timed out, and no outcome of it is in `ended` (the devices' terminal revert reports, which
 * the aggregate does not hold: they live in the `rollout_device_reverts` read model).
 */
export function revertsAwaited(state: LiveRollout, ended: ReadonlySet<string>): string[] {
  if (!isReverting(state)) return [];
  return assignedDevices(state.facts).filter((d) => isRevertTracked(state, d) && !ended.has(d));
}

/** Of the awaited reverts, those whose timeout passed at `now` (the sweep sends each a `TimeOutRevert`). */
export function dueRevertTimeouts(state: LiveRollout, awaited: readonly string[], now: Date): string[] {
  if (!isReverting(state)) return [];
  const timeoutSeconds = deviceTimeoutSecondsOf(state.facts.strategy);
  return awaited.filter((d) => {
    const deadline = deadlineOf(revertClockOf(state.facts.devices.record(d), state.abortedAt), timeoutSeconds);
    return deadline !== null && Date.parse(deadline) <= now.getTime();
  });
}

/**
 * What the gateway said of awaited reverting devices that the rollout has not noted: an aborted
 * rollout holds no claim on its devices, so the device reactor no longer tells it; the sweep carries
 * the word over from the reachability read model, newer and different news only.
 */
export function unnotedReachability(state: LiveRollout, awaited: readonly string[], seen: ReadonlyMap<string, Reach>): [string, Reach][] {
  return awaited.flatMap((d): [string, Reach][] => {
    const now = seen.get(d);
    const known = state.facts.devices.record(d).reachability;
    if (!now) return [];
    const news = known ? known.asOfSeq < now.asOfSeq && known.reachable !== now.reachable : !now.reachable;
    return news ? [[d, now]] : [];
  });
}
