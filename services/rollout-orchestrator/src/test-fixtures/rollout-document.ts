import type { DeviceClock } from '../rollouts/domain/device-clock.js';
import type { DeviceRecord } from '../rollouts/domain/device-ledger.js';
import type { Rollout, RolloutFacts, RolloutPhase } from '../rollouts/domain/rollout.evolve.js';

/**
 * The facts as plain JSON, one record or list per kind: the aggregate's device ledger laid out flat.
 * The reference shape the fold specs compare the aggregate with (the reference fold in
 * reference-rollout/ keeps its state so); no read model stores it.
 */
export interface RolloutFactsDocument extends Omit<RolloutFacts, 'devices'> {
  outcomes: Record<string, NonNullable<DeviceRecord['outcome']>>;
  /** Devices that are no longer live targets, in the order they left. */
  excluded: string[];
  clocks: Record<string, DeviceClock>;
  reachability: Record<string, NonNullable<DeviceRecord['reachability']>>;
  timedOut: string[];
  lateReports: string[];
  /** After an abort with `revert`: revert clocks the gateway's word moved, and the reverts that timed out. */
  revertClocks: Record<string, DeviceClock>;
  revertTimedOut: string[];
}

export type RolloutDocument = { status: 'absent' } | (RolloutPhase & { facts: RolloutFactsDocument });

const inOrder = (entries: [string, number][]) => entries.sort((a, b) => a[1] - b[1]).map(([d]) => d);

/** The state as a plain document: O(devices), for specs. */
export function rolloutDocument(state: Rollout): RolloutDocument {
  if (state.status === 'absent') return state;
  const { devices, ...rest } = state.facts;
  const facts: RolloutFactsDocument = {
    ...rest,
    outcomes: {},
    excluded: [],
    clocks: {},
    reachability: {},
    timedOut: [],
    lateReports: [],
    revertClocks: {},
    revertTimedOut: [],
  };
  const lists = {
    excluded: [] as [string, number][],
    timedOut: [] as [string, number][],
    lateReports: [] as [string, number][],
    revertTimedOut: [] as [string, number][],
  };
  devices.forEach((r, d) => {
    if (r.outcome) facts.outcomes[d] = r.outcome;
    if (r.clock) facts.clocks[d] = r.clock;
    if (r.reachability) facts.reachability[d] = r.reachability;
    if (r.revertClock) facts.revertClocks[d] = r.revertClock;
    if (r.excludedOrder !== undefined) lists.excluded.push([d, r.excludedOrder]);
    if (r.timedOutOrder !== undefined) lists.timedOut.push([d, r.timedOutOrder]);
    if (r.lateReportOrder !== undefined) lists.lateReports.push([d, r.lateReportOrder]);
    if (r.revertTimedOutOrder !== undefined) lists.revertTimedOut.push([d, r.revertTimedOutOrder]);
  });
  const ordered = {
    excluded: inOrder(lists.excluded),
    timedOut: inOrder(lists.timedOut),
    lateReports: inOrder(lists.lateReports),
    revertTimedOut: inOrder(lists.revertTimedOut),
  };
  return { ...state, facts: { ...facts, ...ordered } };
}
