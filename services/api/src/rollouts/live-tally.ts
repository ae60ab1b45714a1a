import type { orchestrator } from '@keelson/commands';
import type { DeviceReportedProgress, RolloutEvent } from '@keelson/events';

/** One wave's devices by where they stand. `failed` counts `rolled_back`, `failed` and timed-out devices. */
export interface WaveTally {
  wave: number;
  devices: number;
  pending: number;
  inFlight: number;
  healthy: number;
  failed: number;
  excluded: number;
}

/**
 * What a watcher sees at a glance: each wave's tally and the fleet impact — `devicesDown` are devices
 * of the rollout that run no healthy version (the update failed after the swap and the previous
 * version could not be brought back, or a revert failed its probe); `unreachable` are silent now.
 */
export interface RolloutTally {
  waves: WaveTally[];
  devicesDown: number;
  unreachable: number;
}

type Report = DeviceReportedProgress['data'];
const terminal = new Set(['healthy', 'rolled_back', 'failed']);
const isRevert = (assignmentId: string) => assignmentId.endsWith('-r');

interface Device {
  wave: number;
  state: string;
  /** Assignments of this rollout that reached `applying`: a failure after it may have left nothing running. */
  applied: Set<string>;
  down: boolean;
  unreachable: boolean;
}

/**
 * Folds a rollout's events and its devices' reports into a tally. Starts from the view the stream
 * opened with; the replay that follows never moves a device back from an outcome it has.
 */
export class LiveTally {
  private readonly devices = new Map<string, Device>();

  constructor(view: orchestrator.RolloutView) {
    for (const d of view.devices) this.devices.set(d.deviceId, { wave: d.wave, state: d.state, applied: new Set(), down: false, unreachable: false });
  }

  /** Takes one rollout event; true when the tally changed. */
  onRollout(event: RolloutEvent): boolean {
    switch (event.type) {
      case 'WaveStarted':
      case 'DevicesAssigned':
        return (event.data.deviceIds ?? []).map((id) => this.set(id, (d) => (d.state === 'pending' ? { state: 'assigned' } : {}))).some(Boolean);
      case 'DeviceOutcomeRecorded':
        return this.set(event.data.deviceId, () => ({ state: event.data.state }));
      case 'DeviceTimedOut':
        return this.set(event.data.deviceId, () => ({ state: 'failed' }));
      case 'DeviceExcluded':
        return this.set(event.data.deviceId, () => ({ state: 'excluded' }));
      case 'DeviceReachabilityNoted':
        return this.set(event.data.deviceId, () => ({ unreachable: !event.data.reachable }));
      default:
        return false;
    }
  }

  /** Takes one progress report of a device of the rollout (its update or its revert); true when the tally changed. */
  onDevice(report: Report): boolean {
    return this.set(report.deviceId, (d) => {
      if (report.state === 'applying') d.applied.add(report.assignmentId);
      const down = terminal.has(report.state) ? report.state === 'failed' && d.applied.has(report.assignmentId) : d.down;
      // A revert's progress says nothing of the rollout's outcome for the device, only of its health.
      if (isRevert(report.assignmentId) || d.state === 'excluded') return { down };
      if (terminal.has(report.state)) return { state: report.state, down };
      return terminal.has(d.state) ? { down } : { state: report.state, down };
    });
  }

  summary(): RolloutTally {
    const waves = new Map<number, WaveTally>();
    let devicesDown = 0;
    let unreachable = 0;
    for (const d of this.devices.values()) {
      const w = waves.get(d.wave) ?? { wave: d.wave, devices: 0, pending: 0, inFlight: 0, healthy: 0, failed: 0, excluded: 0 };
      w.devices++;
      if (d.state === 'pending') w.pending++;
      else if (d.state === 'excluded') w.excluded++;
      else if (d.state === 'healthy') w.healthy++;
      else if (d.state === 'rolled_back' || d.state === 'failed') w.failed++;
      else w.inFlight++;
      waves.set(d.wave, w);
      if (d.down) devicesDown++;
      if (d.unreachable && d.state !== 'excluded') unreachable++;
    }
    return { waves: [...waves.values()].sort((a, b) => a.wave - b.wave), devicesDown, unreachable };
  }

  private set(deviceId: string, change: (d: Device) => Partial<Device>): boolean {
    const d = this.devices.get(deviceId);
    if (!d) return false;
    const before = `${d.state}|${d.down}|${d.unreachable}`;
    Object.assign(d, change(d));
    return before !== `${d.state}|${d.down}|${d.unreachable}`;
  }
}
