import type { orchestrator } from '@keelson/requests';
import type { TerminalDeviceState } from '@keelson/events';
import type { ProjectedDevice } from './rollout-view.evolve.js';
import type { RolloutViewRow } from './rollout-view-row.js';

/** A `rollout_views` row as PostgreSQL returns it. */
export interface ViewColumns {
  fleet: string;
  rollout_id: string;
  artifact: RolloutViewRow['artifact'];
  targeting: RolloutViewRow['targeting'];
  probe: RolloutViewRow['probe'];
  strategy: RolloutViewRow['strategy'];
  status: RolloutViewRow['status'];
  current_wave: number;
  started_waves: number;
  halt_reason: string | null;
  halt_automatic: boolean | null;
  halted_at: string | null;
  abort_mode: 'keep' | 'revert' | null;
  created_at: string;
  finished_at: string | null;
  device_count: number;
  created_seq: string;
  last_seq: string;
}

const present = <K extends string, V>(key: K, value: V | null): { [k in K]?: V } =>
  (value === null ? {} : { [key]: value }) as { [k in K]?: V };

export function viewRowOfColumns(c: ViewColumns): RolloutViewRow {
  return {
    fleet: c.fleet,
    rolloutId: c.rollout_id,
    artifact: c.artifact,
    targeting: c.targeting,
    probe: c.probe,
    strategy: c.strategy,
    status: c.status,
    currentWave: c.current_wave,
    startedWaves: c.started_waves,
    ...present('haltReason', c.halt_reason),
    ...present('haltAutomatic', c.halt_automatic),
    ...present('haltedAt', c.halted_at),
    ...present('abortMode', c.abort_mode),
    createdAt: c.created_at,
    ...present('finishedAt', c.finished_at),
    deviceCount: c.device_count,
  };
}

/** A `rollout_view_waves` row as PostgreSQL returns it. */
export interface WaveColumns {
  rollout_id: string;
  wave: number;
  percent: number;
  gate: 'auto' | 'manual';
  devices: number;
  assigned: number;
  in_flight: number;
  healthy: number;
  failed: number;
  timed_out: number;
  unreachable: number;
  excluded: number;
}

export const waveOfColumns = (c: WaveColumns): orchestrator.WaveSummary => ({
  wave: c.wave,
  percent: c.percent,
  gate: c.gate,
  devices: c.devices,
  assigned: c.assigned,
  inFlight: c.in_flight,
  healthy: c.healthy,
  failed: c.failed,
  timedOut: c.timed_out,
  unreachable: c.unreachable,
  excluded: c.excluded,
});

/** A `rollout_view_devices` row as PostgreSQL returns it. */
export interface DeviceColumns {
  rollout_id: string;
  device_id: string;
  position: number;
  wave: number;
  assigned_at: string | null;
  outcome: TerminalDeviceState | null;
  outcome_reason: string | null;
  reachable: boolean | null;
  excluded: boolean;
  timed_out: boolean;
  late_report: boolean;
  revert_timed_out: boolean;
}

export function deviceOfColumns(c: DeviceColumns): ProjectedDevice {
  return {
    deviceId: c.device_id,
    position: c.position,
    wave: c.wave,
    ...(c.assigned_at === null ? {} : { assigned: true as const, assignedAt: c.assigned_at }),
    ...(c.outcome === null
      ? {}
      : { outcome: c.outcome_reason === null ? { state: c.outcome } : { state: c.outcome, reason: c.outcome_reason } }),
    ...present('reachable', c.reachable),
    ...(c.excluded ? { excluded: true as const } : {}),
    ...(c.timed_out ? { timedOut: true as const } : {}),
    ...(c.late_report ? { lateReport: true as const } : {}),
    ...(c.revert_timed_out ? { revertTimedOut: true as const } : {}),
  };
}
