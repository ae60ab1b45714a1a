import { isAssigned, isLive, outcomeOf, type LiveRollout } from '../rollout.evolve.js';
import { andWhatFollows, folded, type RolloutDecision } from '../rollout.next-step.js';
import { isEnded, type RolloutRef } from './decision.js';
import { isRevertTracked } from './time-out-revert.js';

/** The gateway's word on a target's reachability, as of its device event `asOfSeq`. */
export type NoteDeviceReachability = RolloutRef & { type: 'NoteDeviceReachability'; deviceId: string; reachable: boolean; asOfSeq: number };

/**
 * What the gateway says about a target's reachability, as of its device event `asOfSeq`. Older
 * news than the rollout holds is ignored, and so is a device that ended. Going silent may let the
 * next wave start (an unreachable device blocks nothing); coming back restarts its clock.
 */
export function noteReachability(command: NoteDeviceReachability, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, reachable, asOfSeq, at } = command;
  const { facts } = state;
  // During a revert the word moves the revert's clock, whatever the device's update ended as.
  const reverting = isRevertTracked(state, deviceId);
  if (!reverting && (isEnded(state) || !facts.devices.isMember(deviceId) || outcomeOf(facts, deviceId) || !isLive(facts, deviceId)))
    return folded(state);
  const known = facts.devices.record(deviceId).reachability;
  if (known && (known.asOfSeq >= asOfSeq || known.reachable === reachable)) return folded(state);
  if (reverting)
    return folded(state, [
      { type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reachable, asOfSeq, notedAt: at } },
    ]);
  // A first word that an assigned device is reachable changes nothing but is kept, with its
  // sequence, so an older "unreachable" (the sweep's, from a read model) cannot override it. Before
  // its assignment it is not kept: devices coming online would otherwise flood a large rollout.
  if (!known && reachable && !isAssigned(facts, deviceId)) return folded(state);
  return andWhatFollows(
    state,
    [{ type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reachable, asOfSeq, notedAt: at } }],
    at,
  );
}
