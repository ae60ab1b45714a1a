import type { orchestrator } from '@keelson/requests';
import {
  isTerminalDeviceState,
  isUnreachableInFlight,
  standingOf,
  waveOfIndex,
  withReport,
  type DeviceReportedProgress,
  type DeviceStanding,
  type DeviceState,
  type LiveDeviceProgress,
  type RolloutEvent,
  type TalliedRecord,
} from '@keelson/events';

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
 * version could not be brought back, or a revert failed its probe); `unreachable` are in flight and
 * silent now (the orchestrator's `unreachable`: assigned, live, without an outcome).
 */
export interface RolloutTally {
  waves: WaveTally[];
  devicesDown: number;
  unreachable: number;
}

type Report = DeviceReportedProgress['data'];
type ViewDevice = orchestrator.RolloutView['devices'][number];
const isRevert = (assignmentId: string) => assignmentId.endsWith('-r');

interface Device {
  wave: number;
  /** What the rollout's events say of the device, kept as the orchestrator keeps it. */
  record: TalliedRecord;
  /** Its first terminal report of the install assignment, else its latest step: counted as the orchestrator will record it. */
  reported?: DeviceState;
  /** Assignments of this rollout that reached `applying`: a failure after it may have left nothing running. */
  applied: Set<string>;
  down: boolean;
}

/** What one device adds to the summary: a column of its wave, and the fleet impact. */
interface Share {
  wave: number;
  standing: DeviceStanding;
  down: boolean;
  unreachable: boolean;
}

/** A device as the view lists it; the replay that follows brings in what the view leaves out. */
function fromView(d: ViewDevice): Device {
  const assigned = d.state !== 'pending' && d.state !== 'excluded';
  const record: TalliedRecord = {
    ...(assigned ? { clock: {} } : {}),
    ...(d.state === 'excluded' ? { excludedOrder: 0 } : {}),
    ...(d.timedOut ? { outcome: { state: 'failed' as const }, timedOutOrder: 0 } : {}),
    ...(d.unreachable ? { reachability: { reachable: false } } : {}),
  };
  const reported = d.state === 'pending' || d.state === 'assigned' || d.state === 'excluded' ? undefined : d.state;
  return { wave: d.wave, record, ...(reported ? { reported } : {}), applied: new Set(), down: false };
}

/** The rules are the rollout's own (libs/events device-tally.ts), applied to the record with the device's report taken in. */
function shareOf(d: Device): Share {
  const seen = withReport(d.record, d.reported);
  return { wave: d.wave, standing: standingOf(seen), down: d.down, unreachable: isUnreachableInFlight(seen) };
}

const sameShare = (a: Share, b: Share) => a.standing === b.standing && a.down === b.down && a.unreachable === b.unreachable;

/**
 * Folds a rollout's events and its devices' reports into a tally, counting each device by the
 * rollout's own rules: a report counts as the outcome the orchestrator will record from it, and
 * the recorded outcome wins (a report after a timeout leaves the device failed). Starts from the
 * view the stream opened with; the replay that follows never moves a device back from an outcome.
 * The view lists at most 1000 devices: the others are learnt from the `RolloutTargetsAdded` chunks
 * the replay starts with (rollout order, so their wave follows from the strategy). Counts are kept
 * as devices change, so a summary costs the number of waves, not of devices.
 */
export class LiveTally {
  private readonly devices = new Map<string, Device>();
  private readonly waves = new Map<number, WaveTally>();
  private devicesDown = 0;
  private unreachable = 0;
  private readonly deviceCount: number;

  constructor(private readonly view: orchestrator.RolloutView) {
    this.deviceCount = view.deviceCount ?? view.devices.length;
    for (const d of view.devices) this.add(d.deviceId, fromView(d));
  }

  /** Takes one rollout event; true when the tally changed. */
  onRollout(event: RolloutEvent): boolean {
    switch (event.type) {
      case 'RolloutTargetsAdded':
        return event.data.deviceIds.map((id, i) => this.learn(id, event.data.from + i)).some(Boolean);
      case 'WaveStarted':
      case 'DevicesAssigned':
        return (event.data.deviceIds ?? []).map((id) => this.set(id, (r) => (r.clock ? r : { ...r, clock: {} }))).some(Boolean);
      case 'DeviceOutcomeRecorded':
        return this.set(event.data.deviceId, (r) => ({ ...r, outcome: { state: event.data.state } }));
      case 'DeviceTimedOut':
        return this.set(event.data.deviceId, (r) => ({ ...r, outcome: { state: 'failed' }, timedOutOrder: 0 }));
      case 'DeviceExcluded':
        return this.set(event.data.deviceId, (r) => ({ ...r, excludedOrder: 0 }));
      case 'DeviceReachabilityNoted':
        return this.set(event.data.deviceId, (r) => ({ ...r, reachability: { reachable: event.data.reachable } }));
      default:
        return false;
    }
  }

  /**
   * Takes one report of a device of the rollout (its update or its revert): a stored one, or a live
   * step; true when the tally changed.
   */
  onDevice(report: Report | LiveDeviceProgress['data']): boolean {
    return this.change(report.deviceId, (d) => {
      // An outcome says whether the device got as far as the swap; a v1 agent reported `applying` alone.
      if (report.state === 'applying' || ('steps' in report && report.steps?.applying)) d.applied.add(report.assignmentId);
      if (isTerminalDeviceState(report.state)) d.down = report.state === 'failed' && d.applied.has(report.assignmentId);
      // A revert's progress says nothing of the rollout's outcome for the device, only of its health.
      if (isRevert(report.assignmentId) || (d.reported && isTerminalDeviceState(d.reported))) return;
      d.reported = report.state;
    });
  }

  summary(): RolloutTally {
    const waves = [...this.waves.values()]
      .filter((w) => w.devices > 0)
      .sort((a, b) => a.wave - b.wave)
      .map((w) => ({ ...w }));
    return { waves, devicesDown: this.devicesDown, unreachable: this.unreachable };
  }

  /** A device of the rollout the view did not list, at `index` in rollout order. */
  private learn(deviceId: string, index: number): boolean {
    if (this.devices.has(deviceId)) return false;
    this.add(deviceId, { wave: waveOfIndex(this.view.strategy, index, this.deviceCount), record: {}, applied: new Set(), down: false });
    return true;
  }

  private add(deviceId: string, d: Device): void {
    this.devices.set(deviceId, d);
    this.count(shareOf(d), 1);
  }

  private set(deviceId: string, next: (r: TalliedRecord) => TalliedRecord): boolean {
    return this.change(deviceId, (d) => {
      d.record = next(d.record);
    });
  }

  private change(deviceId: string, change: (d: Device) => void): boolean {
    const d = this.devices.get(deviceId);
    if (!d) return false;
    const before = shareOf(d);
    change(d);
    const after = shareOf(d);
    if (sameShare(before, after)) return false;
    this.count(before, -1);
    this.count(after, 1);
    return true;
  }

  private count(s: Share, by: 1 | -1): void {
    const w = this.waves.get(s.wave) ?? { wave: s.wave, devices: 0, pending: 0, inFlight: 0, healthy: 0, failed: 0, excluded: 0 };
    w.devices += by;
    w[s.standing] += by;
    this.waves.set(s.wave, w);
    if (s.down) this.devicesDown += by;
    if (s.unreachable) this.unreachable += by;
  }
}
