import type { orchestrator } from '@keelson/requests';
import {
  getsRevert,
  isTerminalDeviceState,
  revertAssignmentId,
  revertOutcomeOf,
  type DeviceEvent,
  type DeviceState,
  type RolloutEvent,
  type TalliedRecord,
} from '@keelson/events';

/**
 * Where the reverts of a rollout aborted with `revert` stand: `devices` got a revert assignment;
 * each is `reverted` (healthy on its previous version), `failed` (the revert failed or rolled
 * back, or it timed out: `DeviceRevertTimedOut`), still `inFlight`, `offline` (unreachable: it reverts when it returns) or `decommissioned`
 * (it never will).
 */
export interface RevertCounts {
  devices: number;
  reverted: number;
  failed: number;
  inFlight: number;
  offline: number;
  decommissioned: number;
}

/** What `end` says of the reverts: the counts and the devices whose revert waits for them to return. */
export interface RevertEnd extends RevertCounts {
  offlineDeviceIds: string[];
}

/** What the gateway says of a device right now, for a device the stream has heard nothing about. */
export type Presence = 'reachable' | 'unreachable' | 'decommissioned';

const maxOfflineIds = 100;

interface Device {
  /** Whether it was assigned (its wave started) and is still targeted: on an abort with revert it then gets a revert. */
  record: Pick<TalliedRecord, 'clock' | 'excludedOrder'>;
  decommissioned: boolean;
  revert?: DeviceState;
  /** The orchestrator timed its revert out: failed, unless the device reports an outcome after all. */
  revertTimedOut?: boolean;
  /** The latest word on its reachability, ordered by the device stream's sequence. */
  reach?: { reachable: boolean; asOfSeq: number };
}

/**
 * Follows the reverts of one rollout from its view, its events and its devices' events, in any
 * order the two feeds deliver them. Which devices revert is the orchestrator's rule (`getsRevert`,
 * libs/events): every assigned device not excluded when the rollout was aborted with `revert`. A
 * revert assignment's id is `revertAssignmentId(rolloutId, deviceId)` (libs/events).
 */
export class RevertTally {
  private readonly devices = new Map<string, Device>();
  private mode: 'keep' | 'revert' | undefined;

  constructor(private readonly view: orchestrator.RolloutView) {
    this.mode = view.status === 'aborted' ? view.abortMode : undefined;
    for (const d of view.devices) {
      // The view shows a revert the rollout timed out as `failed`, reason `timeout`: no report, which one after all would not override.
      const timedOut = d.revert?.state === 'failed' && d.revert.reason === 'timeout';
      const revert = d.revert && d.revert.state !== 'assigned' && !timedOut ? d.revert.state : undefined;
      this.devices.set(d.deviceId, {
        record: {
          ...(d.state !== 'pending' || d.revert !== undefined ? { clock: {} } : {}),
          ...(d.state === 'excluded' ? { excludedOrder: 0 } : {}),
        },
        decommissioned: false,
        ...(revert ? { revert } : {}),
        ...(timedOut ? { revertTimedOut: true } : {}),
        ...(d.unreachable ? { reach: { reachable: false, asOfSeq: 0 } } : {}),
      });
    }
  }

  /** True once the rollout was aborted with `revert`: the stream then ends only when `isDone`. */
  get isReverting(): boolean {
    return this.mode === 'revert';
  }

  /** Takes one rollout event; true when the revert counts changed. */
  onRollout(event: RolloutEvent): boolean {
    const before = this.fingerprint();
    switch (event.type) {
      case 'RolloutTargetsAdded': // the view lists 1000 devices at most: the others are learnt here
        for (const id of event.data.deviceIds) if (!this.devices.has(id)) this.devices.set(id, { record: {}, decommissioned: false });
        break;
      case 'WaveStarted':
      case 'DevicesAssigned':
        for (const id of event.data.deviceIds ?? []) this.change(id, (d) => ({ record: { ...d.record, clock: {} } }));
        break;
      case 'DeviceExcluded':
        this.change(event.data.deviceId, (d) => ({ record: { ...d.record, excludedOrder: 0 } }));
        break;
      case 'DeviceReachabilityNoted':
        this.noteReach(event.data.deviceId, event.data.reachable, event.data.asOfSeq);
        break;
      case 'RolloutAborted':
        this.mode = event.data.mode;
        break;
      case 'DeviceRevertTimedOut':
        this.change(event.data.deviceId, () => ({ revertTimedOut: true }));
        break;
      default:
        break;
    }
    return before !== this.fingerprint();
  }

  /** Takes one event of the fleet's devices with its stream sequence; true when the revert counts changed. */
  onDevice(seq: number, event: DeviceEvent): boolean {
    const before = this.fingerprint();
    const { deviceId } = event.data;
    if (event.type === 'DeviceReachabilityChanged') this.noteReach(deviceId, event.data.reachable, seq);
    if (event.type === 'DeviceDecommissioned') this.change(deviceId, () => ({ decommissioned: true }));
    if (event.type === 'DeviceReportedProgress') {
      this.noteReach(deviceId, true, seq); // a device that reports is connected
      const { rolloutId, assignmentId, state } = event.data;
      if (rolloutId === this.view.rolloutId && assignmentId === revertAssignmentId(rolloutId, deviceId)) {
        // A replayed older report never moves a revert back from its outcome.
        this.change(deviceId, (d) => (d.revert && isTerminalDeviceState(d.revert) ? {} : { revert: state }));
      }
    }
    return before !== this.fingerprint();
  }

  /** Reverting devices without an outcome the stream knows nothing about the reachability of. */
  unknownReachability(): string[] {
    return this.reverting()
      .filter(([, d]) => !this.isSettled(d) && !d.reach)
      .map(([id]) => id);
  }

  /** The gateway's answer about such devices, as of `asOfSeq` on the device stream (later events win). */
  notePresence(presence: Record<string, Presence>, asOfSeq: number): void {
    for (const [id, p] of Object.entries(presence)) {
      if (p === 'decommissioned') this.change(id, () => ({ decommissioned: true }));
      else this.noteReach(id, p === 'reachable', asOfSeq);
    }
  }

  /** The counts once the rollout was aborted with `revert`, else undefined. */
  counts(): RevertCounts | undefined {
    if (!this.isReverting) return undefined;
    const c: RevertCounts = { devices: 0, reverted: 0, failed: 0, inFlight: 0, offline: 0, decommissioned: 0 };
    for (const [, d] of this.reverting()) {
      const outcome = revertOutcomeOf(d.revert, d.revertTimedOut === true);
      c.devices++;
      if (outcome === 'healthy') c.reverted++;
      else if (outcome) c.failed++;
      else if (d.decommissioned) c.decommissioned++;
      else if (d.reach?.reachable === false) c.offline++;
      else c.inFlight++; // reachable, or not known yet: waited for
    }
    return c;
  }

  /** Every revert has an outcome, or waits for an offline device, or never comes (decommissioned). */
  isDone(): boolean {
    return this.counts()?.inFlight === 0;
  }

  end(): RevertEnd | undefined {
    const counts = this.counts();
    if (!counts) return undefined;
    const offline = this.reverting()
      .filter(([, d]) => !this.isSettled(d) && d.reach?.reachable === false)
      .map(([id]) => id);
    return { ...counts, offlineDeviceIds: offline.slice(0, maxOfflineIds) };
  }

  private reverting(): [string, Device][] {
    return [...this.devices].filter(([, d]) => getsRevert(d.record));
  }

  private isSettled(d: Device): boolean {
    return d.decommissioned || revertOutcomeOf(d.revert, d.revertTimedOut === true) !== undefined;
  }

  private noteReach(deviceId: string, reachable: boolean, asOfSeq: number): void {
    this.change(deviceId, (d) => (d.reach && d.reach.asOfSeq > asOfSeq ? {} : { reach: { reachable, asOfSeq } }));
  }

  private change(deviceId: string, patch: (d: Device) => Partial<Device>): void {
    const d = this.devices.get(deviceId);
    if (d) Object.assign(d, patch(d));
  }

  private fingerprint(): string {
    return JSON.stringify(this.counts() ?? null);
  }
}
