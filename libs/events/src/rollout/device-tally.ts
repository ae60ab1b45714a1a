import { isTerminalDeviceState, type DeviceState, type TerminalDeviceState } from '../device/device-state.js';

/**
 * What a rollout holds about one device, as far as counting it goes. The orchestrator's ledger
 * (its `DeviceRecord`) and the api's live tally of a rollout keep one each and count them by the
 * rules below, so `rollout watch` and the console count a device as the rollout does. Absent
 * fields mean nothing happened yet.
 */
export interface TalliedRecord {
  /** What the rollout recorded: the device's terminal report, or `failed` when it timed out. */
  outcome?: { state: TerminalDeviceState };
  /** Set once the device was assigned the artifact (the orchestrator keeps its timeout clock here). */
  clock?: object;
  /** The gateway's latest word on its reachability, if the rollout noted one. */
  reachability?: { reachable: boolean };
  /** Set once it left the rollout (`DeviceExcluded`), timed out, reported after its timeout, or its revert timed out. */
  excludedOrder?: number;
  timedOutOrder?: number;
  lateReportOrder?: number;
  revertTimedOutOrder?: number;
}

/** Ended `rolled_back` or `failed`, timeouts included (a timeout records the outcome `failed`). */
export const hasFailed = (r: TalliedRecord): boolean => r.outcome !== undefined && r.outcome.state !== 'healthy';

/** Still a target: not excluded. An excluded device is not waited for, not counted and not reverted. */
export const isLiveTarget = (r: TalliedRecord): boolean => r.excludedOrder === undefined;

/** Live and without an outcome (pending or in flight): the rollout still holds the device and counts it unfinished. */
export const isUnfinished = (r: TalliedRecord): boolean => isLiveTarget(r) && r.outcome === undefined;

/** Assigned, live and without an outcome: the rollout's update of it is under way. */
export const isInFlight = (r: TalliedRecord): boolean => r.clock !== undefined && isUnfinished(r);

/** In flight and silent: it keeps its assignment and blocks nothing until it returns. */
export const isUnreachableInFlight = (r: TalliedRecord): boolean => isInFlight(r) && r.reachability?.reachable === false;

/** In flight and not known silent: the rollout waits for it. */
export const isWaitedFor = (r: TalliedRecord): boolean => isInFlight(r) && r.reachability?.reachable !== false;

/**
 * Takes a terminal report as its outcome: in flight and not timed out (a report after its timeout is
 * a late report, its outcome stays `failed`). The orchestrator records an outcome on this rule and
 * `withReport` anticipates it.
 */
export const takesOutcome = (r: TalliedRecord): boolean => isInFlight(r) && r.timedOutOrder === undefined;

/** Where a device stands in its wave: the recorded outcome first, then excluded, assigned, or not yet. */
export type DeviceStanding = 'pending' | 'inFlight' | 'healthy' | 'failed' | 'excluded';

export function standingOf(r: TalliedRecord): DeviceStanding {
  if (r.outcome) return hasFailed(r) ? 'failed' : 'healthy';
  if (!isLiveTarget(r)) return 'excluded';
  return r.clock === undefined ? 'pending' : 'inFlight';
}

/**
 * The record once the rollout takes a report of the device's install assignment in: a report means
 * it was assigned, and a terminal state becomes its outcome unless it has one, left the rollout or
 * timed out (a late report: the outcome stays `failed`). For a reader that sees reports before the
 * orchestrator records them.
 */
export function withReport<R extends TalliedRecord>(r: R, state: DeviceState | undefined): R {
  if (state === undefined) return r;
  const assigned = r.clock === undefined ? { ...r, clock: {} } : r;
  return isTerminalDeviceState(state) && takesOutcome(assigned) ? { ...assigned, outcome: { state } } : assigned;
}

/** After an abort with `revert`, the devices that get a revert: assigned and still targeted. */
export const getsRevert = (r: TalliedRecord): boolean => r.clock !== undefined && isLiveTarget(r);

/**
 * How a device's revert ended: what the device reported of it, else `failed` once the rollout timed
 * it out (`DeviceRevertTimedOut`): an outcome reported after the timeout wins. Undefined while under way.
 */
export function revertOutcomeOf(reported: DeviceState | undefined, timedOut: boolean): TerminalDeviceState | undefined {
  if (reported !== undefined && isTerminalDeviceState(reported)) return reported;
  return timedOut ? 'failed' : undefined;
}

/** Running counts over every device's record, kept as each record changes. */
export interface DeviceTally {
  /** Devices with an outcome, and those of them not healthy (timeouts included). */
  outcomes: number;
  failures: number;
  /** Devices of the rollout still targeted (not excluded), without an outcome, with a failed one. */
  live: number;
  liveUnfinished: number;
  liveUnhealthy: number;
  /** Assigned live devices without an outcome that are reachable: the ones the rollout waits for. */
  waitedFor: number;
  excluded: number;
  timedOut: number;
  lateReports: number;
  revertTimedOut: number;
}

/**
 * Takes one device's record out of the tally (`sign` -1) or puts it in (1): a change is the old
 * record out, then the new one in. `member`: the device is one of the rollout's targets so far.
 */
export function counted(tally: DeviceTally, member: boolean, r: TalliedRecord, sign: 1 | -1): void {
  const failed = hasFailed(r);
  tally.outcomes += r.outcome ? sign : 0;
  tally.failures += failed ? sign : 0;
  tally.excluded += r.excludedOrder === undefined ? 0 : sign;
  tally.timedOut += r.timedOutOrder === undefined ? 0 : sign;
  tally.lateReports += r.lateReportOrder === undefined ? 0 : sign;
  tally.revertTimedOut += r.revertTimedOutOrder === undefined ? 0 : sign;
  if (!member || !isLiveTarget(r)) return;
  tally.live += sign;
  tally.liveUnfinished += isUnfinished(r) ? sign : 0;
  tally.liveUnhealthy += failed ? sign : 0;
  tally.waitedFor += isWaitedFor(r) ? sign : 0;
}

/** The tally of a ledger with no device yet. */
export function emptyTally(): DeviceTally {
  return {
    outcomes: 0,
    failures: 0,
    live: 0,
    liveUnfinished: 0,
    liveUnhealthy: 0,
    waitedFor: 0,
    excluded: 0,
    timedOut: 0,
    lateReports: 0,
    revertTimedOut: 0,
  };
}
