import { isUnfinished, type RolloutEvent } from '@keelson/events';
import { evolve, type LiveRollout, type Rollout } from '../rollout.evolve.js';
import { andWhatFollows, folded, type RolloutDecision } from '../rollout.next-step.js';
import { isEnded, type RolloutRef } from './decision.js';

/** A device is no longer a live target (decommissioned, or refused by the gateway). */
export type ExcludeDevice = RolloutRef & { type: 'ExcludeDevice'; deviceId: string; reason: string };
/** A newer rollout of the same artifact name took these devices over. */
export type SupersedeDevices = RolloutRef & { type: 'SupersedeDevices'; deviceIds: string[]; byRolloutId: string; reason: string };

/** The live devices of the rollout that have no outcome yet, of `deviceIds`. */
const stillWaitedFor = (state: LiveRollout, deviceIds: string[]) =>
  deviceIds.filter((d) => state.facts.devices.isMember(d) && isUnfinished(state.facts.devices.record(d)));

/**
 * A device leaves the rollout: never waited for or counted again, so it may let the wave, the gate
 * or the finish come. A device that already ended its update was counted; an ended rollout counts
 * nothing more.
 */
export function excludeDevice(command: ExcludeDevice, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, reason, at } = command;
  if (isEnded(state) || stillWaitedFor(state, [deviceId]).length === 0) return folded(state);
  return andWhatFollows(state, [{ type: 'DeviceExcluded', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reason } }], at);
}

/**
 * A newer rollout of the same artifact name took these devices over: they leave this rollout
 * (excluded, with the reason). If nothing is left to wait for, the rollout is aborted keeping what
 * is installed; otherwise it carries on without them.
 */
export function supersedeDevices(command: SupersedeDevices, state: LiveRollout): RolloutDecision {
  if (isEnded(state)) return folded(state);
  const { fleet, rolloutId, at } = command;
  const leaving = stillWaitedFor(state, command.deviceIds);
  if (leaving.length === 0) return folded(state);
  const reason = `superseded by rollout ${command.byRolloutId}: ${command.reason}`.slice(0, 500);
  const excluded: RolloutEvent[] = leaving.map((deviceId) => ({
    type: 'DeviceExcluded',
    schemaVersion: 1,
    data: { fleet, rolloutId, deviceId, reason },
  }));
  const after = excluded.reduce(evolve, state as Rollout) as LiveRollout;
  if (after.facts.devices.tally.liveUnfinished === 0) {
    const aborted = folded(after, [{ type: 'RolloutAborted', schemaVersion: 1, data: { fleet, rolloutId, mode: 'keep', abortedAt: at } }]);
    return { events: [...excluded, ...aborted.events], state: aborted.state };
  }
  return andWhatFollows(state, excluded, at);
}
