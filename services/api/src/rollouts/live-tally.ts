import type { orchestrator } from '@keelson/commands';
import { waveOfIndex, type DeviceReportedProgress, type LiveDeviceProgress, type RolloutEvent } from '@keelson/events';

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

type Bucket = 'pending' | 'inFlight' | 'healthy' | 'failed' | 'excluded';

function bucketOf(state: string): Bucket {
  if (state === 'pending' || state === 'excluded' || state === 'healthy') return state;
  if (state === 'rolled_back' || state === 'failed') return 'failed';
  return 'inFlight';
}

/**
 * Folds a rollout's events and its devices' reports into a tally. Starts from the view the stream
 * opened with; the replay that follows never moves a device back from an outcome it has. The view
 * lists at most 1000 devices: the others are learnt from the `RolloutTargetsAdded` chunks the replay
 * starts with (rollout order, so their wave follows from the strategy). Counts are kept as devices
 * change, so a summary costs the number of waves, not of devices.
 */
export class LiveTally {
  private readonly devices = new Map<string, Device>();
  private readonly waves = new Map<number, WaveTally>();
  private devicesDown = 0;
  private unreachable = 0;
  private readonly deviceCount: number;

  constructor(private readonly view: orchestrator.RolloutView) {
    this.deviceCount = view.deviceCount ?? view.devices.length;
    for (const d of view.devices) this.add(d.deviceId, { wave: d.wave, state: d.state, applied: new Set(), down: false, unreachable: false });
  }

  /** Takes one rollout event; true when the tally changed. */
  onRollout(event: RolloutEvent): boolean {
    switch (event.type) {
      case 'RolloutTargetsAdded':
        return event.data.deviceIds.map((id, i) => this.learn(id, event.data.from + i)).some(Boolean);
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

  /**
   * Takes one report of a device of the rollout (its update or its revert): a stored one, or a live
   * step; true when the tally changed.
   */
  onDevice(report: Report | LiveDeviceProgress['data']): boolean {
    return this.set(report.deviceId, (d) => {
      // An outcome says whether the device got as far as the swap; a v1 agent reported `applying` alone.
      if (report.state === 'applying' || ('steps' in report && report.steps?.applying)) d.applied.add(report.assignmentId);
      const down = terminal.has(report.state) ? report.state === 'failed' && d.applied.has(report.assignmentId) : d.down;
      // A revert's progress says nothing of the rollout's outcome for the device, only of its health.
      if (isRevert(report.assignmentId) || d.state === 'excluded') return { down };
      if (terminal.has(report.state)) return { state: report.state, down };
      return terminal.has(d.state) ? { down } : { state: report.state, down };
    });
  }

  summary(): RolloutTally {
    const waves = [...this.waves.values()].filter((w) => w.devices > 0).sort((a, b) => a.wave - b.wave).map((w) => ({ ...w }));
    return { waves, devicesDown: this.devicesDown, unreachable: this.unreachable };
  }

  /** A device of the rollout the view did not list, at `index` in rollout order. */
  private learn(deviceId: string, index: number): boolean {
    if (this.devices.has(deviceId)) return false;
    const wave = waveOfIndex(this.view.strategy, index, this.deviceCount);
    this.add(deviceId, { wave, state: 'pending', applied: new Set(), down: false, unreachable: false });
    return true;
  }

  private add(deviceId: string, d: Device): void {
    this.devices.set(deviceId, d);
    this.count(d, 1);
  }

  private set(deviceId: string, change: (d: Device) => Partial<Device>): boolean {
    const d = this.devices.get(deviceId);
    if (!d) return false;
    const before = `${d.state}|${d.down}|${d.unreachable}`;
    this.count(d, -1);
    Object.assign(d, change(d));
    this.count(d, 1);
    return before !== `${d.state}|${d.down}|${d.unreachable}`;
  }

  private count(d: Device, by: 1 | -1): void {
    const w = this.waves.get(d.wave) ?? { wave: d.wave, devices: 0, pending: 0, inFlight: 0, healthy: 0, failed: 0, excluded: 0 };
    w.devices += by;
    w[bucketOf(d.state)] += by;
    this.waves.set(d.wave, w);
    if (d.down) this.devicesDown += by;
    if (d.unreachable && d.state !== 'excluded') this.unreachable += by;
  }
}
