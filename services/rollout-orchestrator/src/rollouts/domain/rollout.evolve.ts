import type { ArtifactRef, Probe, RolloutCreated, RolloutEvent, Strategy } from '@keelson/events';

/** The optional targeting fields of `RolloutCreated` (device names, selector, channel, misfits, supersedes, retryOf). */
export type RolloutTargeting = Omit<
  RolloutCreated['data'],
  'fleet' | 'rolloutId' | 'artifact' | 'groupId' | 'probe' | 'strategy' | 'deviceIds' | 'deviceCount' | 'createdAt'
>;
import { DeviceLedger } from './device-ledger.js';
import { assignedRecord, nextPhase, reachabilityRecordIn, type PhaseFacts, type RolloutPhase } from './rollout-phase.js';

export type { RolloutPhase } from './rollout-phase.js';

/** What a rollout was created with and what has happened to its devices so far. */
export interface RolloutFacts extends PhaseFacts {
  fleet: string;
  rolloutId: string;
  artifact: ArtifactRef;
  /** The group the devices came from, if a group was the target. */
  groupId?: string;
  /** How the devices were chosen otherwise, what was left out or taken over, and the rollout retried. */
  targeting: RolloutTargeting;
  probe: Probe;
  strategy: Strategy;
  /** The rollout's devices in wave order, fixed at creation (listed by the `RolloutTargetsAdded` that follow it). */
  deviceIds: string[];
  createdAt: string;
  /**
   * Each device's outcome, timeout clock (once assigned), reachability, exclusion (no longer a live
   * target: never waited for or counted), timeout and late report, with running counts: handling
   * one outcome costs the same for ten devices as for a hundred thousand.
   */
  devices: DeviceLedger;
}

export type Rollout = { status: 'absent' } | (RolloutPhase & { facts: RolloutFacts });
export type LiveRollout = Exclude<Rollout, { status: 'absent' }>;

export const initialState = (): Rollout => ({ status: 'absent' });

/** The devices assigned the artifact so far, in rollout order (O(devices): for views, not decisions). */
export function assignedDevices(facts: RolloutFacts): string[] {
  return facts.deviceIds.filter((d) => isAssigned(facts, d));
}

/** Whether the device was assigned the artifact (it has a timeout clock). */
export const isAssigned = (facts: RolloutFacts, deviceId: string): boolean => facts.devices.record(deviceId).clock !== undefined;

/** The outcome the rollout recorded for the device, if any. */
export const outcomeOf = (facts: RolloutFacts, deviceId: string) => facts.devices.record(deviceId).outcome;

/** Whether the gateway last said the device is reachable (or never said otherwise). */
export function isReachable(facts: RolloutFacts, deviceId: string): boolean {
  return facts.devices.record(deviceId).reachability?.reachable !== false;
}

/** Devices still targeted: every device of the rollout but the excluded ones. */
export function isLive(facts: RolloutFacts, deviceId: string): boolean {
  return facts.devices.record(deviceId).excludedOrder === undefined;
}

/** Devices that ended `rolled_back` or `failed`, timed-out ones included. */
export function failureCount(facts: RolloutFacts): number {
  return facts.devices.tally.failures;
}

const withFacts = (state: LiveRollout, facts: Partial<RolloutFacts>): LiveRollout =>
  ({ ...state, facts: { ...state.facts, ...facts } }) as LiveRollout;
const withDevices = (state: LiveRollout, devices: DeviceLedger): LiveRollout =>
  devices === state.facts.devices ? state : withFacts(state, { devices });

function withAssigned(state: LiveRollout, deviceIds: string[], at: string): LiveRollout {
  return withDevices(
    state,
    state.facts.devices.changed(deviceIds, (r) => assignedRecord(r, at)),
  );
}

/** The chunk of targets at position `from`; a chunk that does not continue the list (never written) changes nothing. */
function withTargets(state: LiveRollout, from: number, deviceIds: string[]): LiveRollout {
  const { facts } = state;
  if (from !== facts.devices.deviceCount || facts.startedWaves > 0) return state;
  const devices = facts.devices.withTargets(deviceIds, facts.strategy);
  // the ledger's order, shared rather than copied: a copy per chunk would cost O(devices²) per creation
  return withFacts(state, { deviceIds: devices.deviceIds() as string[], devices });
}

function withReachability(state: LiveRollout, deviceId: string, reachable: boolean, asOfSeq: number, at: string): LiveRollout {
  return withDevices(
    state,
    state.facts.devices.changed([deviceId], (r) => reachabilityRecordIn(state, r, reachable, asOfSeq, at)),
  );
}

/** The device's record with `order` set to the next place in its list, unless it is on it already. */
const listed = (devices: DeviceLedger, deviceId: string, list: 'excluded' | 'timedOut' | 'lateReports' | 'revertTimedOut') => {
  const field = (
    { excluded: 'excludedOrder', timedOut: 'timedOutOrder', lateReports: 'lateReportOrder', revertTimedOut: 'revertTimedOutOrder' } as const
  )[list];
  return devices.changed([deviceId], (r) => (r[field] === undefined ? { ...r, [field]: devices.tally[list] } : r));
};

/** Folds one event into the state; total, and ignores what does not apply. */
export function evolve(state: Rollout, event: RolloutEvent): Rollout {
  if (event.type === 'RolloutCreated') {
    if (state.status !== 'absent') return state;
    // A version-1 creation lists its devices inline; a later one in the chunks that follow it.
    const { fleet, rolloutId, artifact, groupId, probe, strategy, deviceIds = [], deviceCount: _, createdAt, ...targeting } = event.data;
    const facts: RolloutFacts = {
      fleet,
      rolloutId,
      artifact,
      ...(groupId === undefined ? {} : { groupId }),
      targeting,
      probe,
      strategy,
      deviceIds,
      createdAt,
      startedWaves: 0,
      approvedWaves: [],
      acknowledgedFailures: 0,
      acknowledgedFinished: 0,
      devices: DeviceLedger.of(deviceIds, strategy),
    };
    return { status: 'running', facts };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'RolloutTargetsAdded':
      return withTargets(state, event.data.from, event.data.deviceIds);
    case 'WaveStarted':
      // Version-1 events list the wave's devices (later ones follow as `DevicesAssigned`); those
      // written before `startedAt` existed have their clocks count from the creation.
      return phased(withAssigned(state, event.data.deviceIds ?? [], event.data.startedAt ?? state.facts.createdAt), event);
    case 'DeviceOutcomeRecorded': {
      const { deviceId, state: outcome, reason } = event.data;
      return withDevices(
        state,
        state.facts.devices.changed([deviceId], (r) => ({
          ...r,
          outcome: reason === undefined ? { state: outcome } : { state: outcome, reason },
        })),
      );
    }
    case 'DevicesAssigned':
      return withAssigned(state, event.data.deviceIds, event.data.assignedAt);
    case 'DeviceTimedOut': {
      const { deviceId } = event.data;
      const failed = state.facts.devices.changed([deviceId], (r) => ({ ...r, outcome: { state: 'failed', reason: 'timeout' } }));
      return withDevices(state, listed(failed, deviceId, 'timedOut'));
    }
    case 'LateDeviceReportRecorded':
      return withDevices(state, listed(state.facts.devices, event.data.deviceId, 'lateReports'));
    case 'DeviceReachabilityNoted': {
      const { deviceId, reachable, asOfSeq, notedAt } = event.data;
      return withReachability(state, deviceId, reachable, asOfSeq, notedAt);
    }
    case 'DeviceExcluded':
      return withDevices(state, listed(state.facts.devices, event.data.deviceId, 'excluded'));
    case 'DeviceRevertTimedOut':
      return withDevices(state, listed(state.facts.devices, event.data.deviceId, 'revertTimedOut'));
    default:
      return phased(state, event);
  }
}

/** The state with the phase `event` moves it to (the same for an event about devices). */
function phased(state: LiveRollout, event: RolloutEvent): Rollout {
  const { tally } = state.facts.devices;
  return (nextPhase(state, event, () => ({ failures: tally.failures, outcomes: tally.outcomes })) as Rollout | null) ?? state;
}
