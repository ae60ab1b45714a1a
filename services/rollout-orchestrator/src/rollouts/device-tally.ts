import type { DeviceRecord } from './domain/device-ledger.js';

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
export function counted(tally: DeviceTally, member: boolean, r: DeviceRecord, sign: 1 | -1): void {
  const failed = r.outcome !== undefined && r.outcome.state !== 'healthy';
  tally.outcomes += r.outcome ? sign : 0;
  tally.failures += failed ? sign : 0;
  tally.excluded += r.excludedOrder === undefined ? 0 : sign;
  tally.timedOut += r.timedOutOrder === undefined ? 0 : sign;
  tally.lateReports += r.lateReportOrder === undefined ? 0 : sign;
  tally.revertTimedOut += r.revertTimedOutOrder === undefined ? 0 : sign;
  if (!member || r.excludedOrder !== undefined) return;
  tally.live += sign;
  tally.liveUnfinished += r.outcome ? 0 : sign;
  tally.liveUnhealthy += failed ? sign : 0;
  tally.waitedFor += r.clock && !r.outcome && r.reachability?.reachable !== false ? sign : 0;
}

/** The tally of a ledger with no device yet. */
export function emptyTally(): DeviceTally {
  return { outcomes: 0, failures: 0, live: 0, liveUnfinished: 0, liveUnhealthy: 0, waitedFor: 0, excluded: 0, timedOut: 0, lateReports: 0, revertTimedOut: 0 };
}
