import { deviceTimeoutSecondsOf, isInFlight } from '@keelson/events';
import { deadlineOf } from './device-clock.js';
import { assignedDevices, type LiveRollout } from './rollout.evolve.js';

/** Assigned devices still waited for: live and without an outcome. */
const inFlight = (state: LiveRollout): string[] => assignedDevices(state.facts).filter((d) => isInFlight(state.facts.devices.record(d)));

const isUnderWay = (state: LiveRollout) => state.status !== 'aborted' && state.status !== 'finished';

/** The devices whose per-device timeout has passed at `now` (the sweep sends each a `TimeOutDevice`). */
export function dueTimeouts(state: LiveRollout, now: Date): string[] {
  if (!isUnderWay(state)) return [];
  const timeoutSeconds = deviceTimeoutSecondsOf(state.facts.strategy);
  return inFlight(state).filter((d) => {
    const deadline = deadlineOf(state.facts.devices.record(d).clock!, timeoutSeconds);
    return deadline !== null && Date.parse(deadline) <= now.getTime();
  });
}

/**
 * Devices in flight the gateway reported silent (device id -> that event's sequence) after what the
 * rollout last noted about them: a device already silent when it was assigned sent no new event,
 * so the sweep notes it (otherwise its clock would run, and it would block its wave).
 */
export function unnotedSilence(state: LiveRollout, silent: ReadonlyMap<string, number>): [string, number][] {
  if (!isUnderWay(state)) return [];
  return inFlight(state).flatMap((d): [string, number][] => {
    const seq = silent.get(d);
    const known = state.facts.devices.record(d).reachability;
    return seq !== undefined && (!known || (known.reachable && known.asOfSeq < seq)) ? [[d, seq]] : [];
  });
}

/** Devices to look up in the reachability read model. */
export const inFlightDevices = (state: LiveRollout): string[] => (isUnderWay(state) ? inFlight(state) : []);
