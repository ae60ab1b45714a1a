import { orchestrator } from '@keelson/requests';
import { getsRevert, isUnreachableInFlight, standingOf, type DeviceState } from '@keelson/events';
import type { DeviceRecord } from '../domain/device-ledger.js';
import type { LiveRollout } from '../domain/rollout.evolve.js';
import { phaseColumns, talliedOf, type DeviceViewRow, type RolloutViewRow } from './rollout-view-row.js';
import { revertShown, waveSummaries, type RevertReport } from './wave-summary.js';

type RolloutView = orchestrator.RolloutView;

/** The latest report a device sent about its install assignment of one rollout. */
export interface DeviceProgress {
  deviceId: string;
  state: DeviceState;
  reason?: string;
}

/** What the rollout's reads of the device-progress read models add to its rows. */
export interface DeviceReports {
  progress: ReadonlyMap<string, DeviceProgress>;
  reverts: ReadonlyMap<string, RevertReport>;
}

/**
 * One device as operators see it: `pending` until its wave starts, then `assigned`, then whatever it
 * last reported (or `excluded` once it is no longer a live target); the recorded outcome wins over a
 * report (both are terminal, the outcome is what the rollout counted). Then `timedOut`, `unreachable`
 * (in flight but silent), and after an abort with revert the revert's progress.
 */
function deviceShown(row: RolloutViewRow, d: DeviceViewRow, { progress, reverts }: DeviceReports): RolloutView['devices'][number] {
  const { deviceId, wave } = d;
  const r = talliedOf(d);
  const standing = standingOf(r);
  const latest = d.outcome ?? progress.get(deviceId);
  const shown =
    standing === 'excluded'
      ? { deviceId, wave, state: 'excluded' as const }
      : latest
        ? { deviceId, wave, state: latest.state, ...(latest.reason === undefined ? {} : { reason: latest.reason }) }
        : { deviceId, wave, state: standing === 'pending' ? ('pending' as const) : ('assigned' as const) };
  const reverting = row.status === 'aborted' && row.abortMode === 'revert' && getsRevert(r);
  return {
    ...shown,
    ...(d.timedOut ? { timedOut: true as const } : {}),
    ...(isUnreachableInFlight(r) ? { unreachable: true as const } : {}),
    ...(reverting ? { revert: revertShown(reverts.get(deviceId), d.revertTimedOut === true) } : {}),
  };
}

/**
 * A rollout as operators see it, from its view rows: the rollout's, its waves' and its first
 * `maxViewDevices` devices' (in rollout order), with each device's latest reports. A reply must not
 * grow with the fleet: the waves count every device, the list shows the first ones.
 */
export function viewOfRows(
  row: RolloutViewRow,
  waves: orchestrator.WaveSummary[],
  devices: DeviceViewRow[],
  reports: DeviceReports,
): RolloutView {
  return {
    fleet: row.fleet,
    rolloutId: row.rolloutId,
    artifact: row.artifact,
    ...row.targeting,
    probe: row.probe,
    strategy: row.strategy,
    status: row.status,
    currentWave: row.currentWave,
    ...(row.status === 'halted' ? { haltReason: row.haltReason! } : {}),
    ...(row.status === 'aborted' ? { abortMode: row.abortMode!, finishedAt: row.finishedAt! } : {}),
    ...(row.status === 'succeeded' || row.status === 'failed' ? { finishedAt: row.finishedAt! } : {}),
    createdAt: row.createdAt,
    devices: devices.map((d) => deviceShown(row, d, reports)),
    ...(devices.length < row.deviceCount ? { deviceCount: row.deviceCount } : {}),
    waves,
  };
}

/** A device's row from the aggregate's record of it. */
export function deviceRowOf(deviceId: string, position: number, wave: number, r: DeviceRecord): DeviceViewRow {
  return {
    deviceId,
    position,
    wave,
    ...(r.clock === undefined ? {} : { assigned: true as const }),
    ...(r.outcome ? { outcome: r.outcome } : {}),
    ...(r.reachability ? { reachable: r.reachability.reachable } : {}),
    ...(r.excludedOrder === undefined ? {} : { excluded: true as const }),
    ...(r.timedOutOrder === undefined ? {} : { timedOut: true as const }),
    ...(r.lateReportOrder === undefined ? {} : { lateReport: true as const }),
    ...(r.revertTimedOutOrder === undefined ? {} : { revertTimedOut: true as const }),
  };
}

/** The rollout's view row from the aggregate's state. */
export function viewRowOf(state: LiveRollout): RolloutViewRow {
  const { facts } = state;
  const {
    devices: _,
    deviceIds,
    startedWaves,
    approvedWaves: __,
    acknowledgedFailures: ___,
    acknowledgedFinished: ____,
    ...created
  } = facts;
  const { groupId, targeting, ...rest } = created;
  return {
    ...rest,
    targeting: { ...(groupId === undefined ? {} : { groupId }), ...targeting },
    ...phaseColumns(state, startedWaves),
    deviceCount: deviceIds.length,
  };
}

/**
 * A rollout as operators see it, from the aggregate's state (a command's reply and `get`: they show
 * the caller's own write) and the device-progress read models; by the same rule as a listed view.
 */
export function rolloutView(
  state: LiveRollout,
  progress: ReadonlyMap<string, DeviceProgress>,
  reverts: ReadonlyMap<string, RevertReport> = new Map(),
): RolloutView {
  const { facts } = state;
  const listed = facts.deviceIds.slice(0, orchestrator.maxViewDevices);
  const devices = listed.map((d, i) => deviceRowOf(d, i, facts.devices.waveOf(d), facts.devices.record(d)));
  return viewOfRows(viewRowOf(state), waveSummaries(facts), devices, { progress, reverts });
}
