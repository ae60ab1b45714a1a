import type { orchestrator } from '@keelson/requests';
import type { RolloutCreated, RolloutEvent } from '@keelson/events';
import { waveRange } from '../domain/device-ledger.js';
import { rowAfterPhaseEvent, talliedOf, type DeviceViewRow, type RolloutViewRow } from './rollout-view-row.js';
import { countedInWave, emptyWaveSummaries } from './wave-summary.js';

/** A device's view row as the projection stores it: the view's fields and when it was assigned. */
export interface ProjectedDevice extends DeviceViewRow {
  assignedAt?: string;
}

/**
 * One rollout's view rows while a batch is applied: the rollout's, its waves', and the devices the
 * batch names (loaded first, or listed by the batch); `touched` are the devices to write back.
 */
export interface ViewState {
  row: RolloutViewRow;
  createdSeq: number;
  lastSeq: number;
  waves: orchestrator.WaveSummary[];
  devices: Map<string, ProjectedDevice>;
  touched: Set<string>;
}

/** The view of a rollout just created (a version-1 creation lists its devices inline). */
export function createdView({ data }: RolloutCreated, seq: number): ViewState {
  const { fleet, rolloutId, artifact, probe, strategy, deviceIds = [], deviceCount, createdAt, ...targeting } = data;
  const row: RolloutViewRow = {
    fleet,
    rolloutId,
    artifact,
    targeting,
    probe,
    strategy,
    status: 'running',
    currentWave: 0,
    startedWaves: 0,
    createdAt,
    deviceCount,
  };
  const view = {
    row,
    createdSeq: seq,
    lastSeq: seq,
    waves: emptyWaveSummaries(strategy, deviceCount),
    devices: new Map(),
    touched: new Set<string>(),
  };
  withTargets(view, 0, deviceIds);
  return view;
}

/** The devices at `from` join the rollout order, each in the wave its place falls in. */
function withTargets(view: ViewState, from: number, deviceIds: readonly string[]): void {
  const { strategy, deviceCount } = view.row;
  const ranges = strategy.waves.map((_, wave) => waveRange(strategy, wave, deviceCount));
  deviceIds.forEach((deviceId, i) => {
    const position = from + i;
    const wave = Math.max(
      0,
      ranges.findIndex(([start, end]) => position >= start && position < end),
    );
    view.devices.set(deviceId, { deviceId, position, wave });
    view.touched.add(deviceId);
  });
}

/** Changes the devices' rows (those of the rollout among them), their waves' counts with them, by the shared tally rules. */
function changed(view: ViewState, deviceIds: readonly string[], change: (d: ProjectedDevice) => ProjectedDevice): void {
  for (const deviceId of deviceIds) {
    const before = view.devices.get(deviceId);
    if (!before) continue; // not one of its devices
    const after = change(before);
    const wave = view.waves[before.wave];
    if (wave) {
      countedInWave(wave, talliedOf(before), -1);
      countedInWave(wave, talliedOf(after), 1);
    }
    view.devices.set(deviceId, after);
    view.touched.add(deviceId);
  }
}

const assigned = (at: string) => (d: ProjectedDevice) => (d.assigned ? d : { ...d, assigned: true as const, assignedAt: at });

/** The device ids an event changes the rows of (none for a creation or its targets: they add rows). */
export function devicesNamed(event: RolloutEvent): readonly string[] {
  switch (event.type) {
    case 'WaveStarted':
      return event.data.deviceIds ?? [];
    case 'DevicesAssigned':
      return event.data.deviceIds;
    case 'DeviceOutcomeRecorded':
    case 'DeviceTimedOut':
    case 'LateDeviceReportRecorded':
    case 'DeviceReachabilityNoted':
    case 'DeviceExcluded':
    case 'DeviceRevertTimedOut':
      return [event.data.deviceId];
    default:
      return [];
  }
}

/** Applies one event after the view's creation, as the aggregate's evolve moves its state (devices and phase). */
export function applyToView(view: ViewState, event: RolloutEvent, seq: number): void {
  view.lastSeq = seq;
  switch (event.type) {
    case 'RolloutCreated':
      return;
    case 'RolloutTargetsAdded':
      if (view.row.startedWaves === 0) withTargets(view, event.data.from, event.data.deviceIds);
      return;
    case 'WaveStarted':
      changed(view, event.data.deviceIds ?? [], assigned(event.data.startedAt ?? view.row.createdAt));
      break;
    case 'DevicesAssigned':
      return changed(view, event.data.deviceIds, assigned(event.data.assignedAt));
    case 'DeviceOutcomeRecorded': {
      const { state, reason } = event.data;
      return changed(view, [event.data.deviceId], (d) => ({ ...d, outcome: reason === undefined ? { state } : { state, reason } }));
    }
    case 'DeviceTimedOut':
      return changed(view, [event.data.deviceId], (d) => ({ ...d, outcome: { state: 'failed', reason: 'timeout' }, timedOut: true }));
    case 'LateDeviceReportRecorded':
      return changed(view, [event.data.deviceId], (d) => ({ ...d, lateReport: true }));
    case 'DeviceReachabilityNoted':
      return changed(view, [event.data.deviceId], (d) => ({ ...d, reachable: event.data.reachable }));
    case 'DeviceExcluded':
      return changed(view, [event.data.deviceId], (d) => ({ ...d, excluded: true }));
    case 'DeviceRevertTimedOut':
      return changed(view, [event.data.deviceId], (d) => ({ ...d, revertTimedOut: true }));
  }
  view.row = rowAfterPhaseEvent(view.row, event) ?? view.row;
}
