import type { RolloutCreated, RolloutEvent } from '@keelson/events';
import type { DeviceRecord } from '../domain/device-ledger.js';
import type { RolloutDocument, RolloutFactsDocument } from './rollout-document.js';
import { nextPhase, type OutcomeCounts, type RolloutPhase } from '../domain/rollout-phase.js';
import type { RolloutFacts } from '../domain/rollout.evolve.js';

/** The lists a device record can join, in the order devices joined them. */
export type DeviceList = 'excluded' | 'timedOut' | 'lateReports' | 'revertTimedOut';
export const orderField = {
  excluded: 'excludedOrder',
  timedOut: 'timedOutOrder',
  lateReports: 'lateReportOrder',
  revertTimedOut: 'revertTimedOutOrder',
} as const;

/** A rollout's facts without its devices: their count, and how many joined each list so far. */
export interface RolloutSummaryFacts extends Omit<RolloutFacts, 'devices' | 'deviceIds'> {
  deviceCount: number;
  listed: Record<DeviceList, number>;
}

/**
 * A rollout as the `rollout_summaries` read model stores it: the phase and the facts, not the
 * devices (one `rollout_targets` row each), so writing it costs the same for any fleet size.
 */
export type RolloutSummary = RolloutPhase & { facts: RolloutSummaryFacts };

/** The summary of a rollout just created. */
export function createdSummary(event: RolloutCreated): RolloutSummary {
  const { fleet, rolloutId, artifact, groupId, probe, strategy, deviceIds: _, deviceCount, createdAt, ...targeting } = event.data;
  const facts: RolloutSummaryFacts = {
    fleet,
    rolloutId,
    artifact,
    ...(groupId === undefined ? {} : { groupId }),
    targeting,
    probe,
    strategy,
    createdAt,
    startedWaves: 0,
    approvedWaves: [],
    acknowledgedFailures: 0,
    acknowledgedFinished: 0,
    deviceCount,
    listed: { excluded: 0, timedOut: 0, lateReports: 0, revertTimedOut: 0 },
  };
  return { status: 'running', facts };
}

/** The summary after a phase event, or null for an event about devices (as the aggregate's evolve moves). */
export const summaryAfter = (summary: RolloutSummary, event: RolloutEvent, counts: () => Promise<OutcomeCounts>) =>
  event.type === 'RolloutResumed'
    ? counts().then((c) => nextPhase(summary, event, () => c))
    : Promise.resolve(nextPhase(summary, event, () => ({ outcomes: 0, failures: 0 })));

/** One `rollout_targets` row: the device, its place in the rollout order, its record (outcome aside). */
export interface TargetRow {
  deviceId: string;
  position: number;
  record: DeviceRecord;
}

const byOrder = (rows: TargetRow[], list: DeviceList) =>
  rows
    .filter((r) => r.record[orderField[list]] !== undefined)
    .sort((a, b) => a.record[orderField[list]]! - b.record[orderField[list]]!)
    .map((r) => r.deviceId);

/** The whole rollout document from its summary, its targets and its outcomes: O(devices), for views. */
export function documentOf(summary: RolloutSummary, targets: TargetRow[], outcomes: RolloutFactsDocument['outcomes']): RolloutDocument {
  const { deviceCount: _, listed: __, ...facts } = summary.facts;
  const rows = [...targets].sort((a, b) => a.position - b.position);
  const clocks: RolloutFactsDocument['clocks'] = {};
  const reachability: RolloutFactsDocument['reachability'] = {};
  const revertClocks: RolloutFactsDocument['revertClocks'] = {};
  for (const { deviceId, record } of rows) {
    if (record.clock) clocks[deviceId] = record.clock;
    if (record.revertClock) revertClocks[deviceId] = record.revertClock;
    if (record.reachability) reachability[deviceId] = record.reachability;
  }
  const lists = {
    excluded: byOrder(rows, 'excluded'),
    timedOut: byOrder(rows, 'timedOut'),
    lateReports: byOrder(rows, 'lateReports'),
    revertTimedOut: byOrder(rows, 'revertTimedOut'),
  };
  return {
    ...summary,
    facts: { ...facts, deviceIds: rows.map((r) => r.deviceId), outcomes, clocks, reachability, revertClocks, ...lists },
  };
}
