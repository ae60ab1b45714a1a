import { deviceIdsBytesPerEvent, type Strategy, type TerminalDeviceState } from '@keelson/events';
import type { DeviceClock } from './device-clock.js';
import { PersistentMap } from './persistent-map.js';
import { coveredBy } from './wave-plan.js';
import { counted, emptyTally, type DeviceTally } from '@keelson/events';

export type { DeviceTally } from '@keelson/events';

/** What a rollout recorded about one device; absent fields mean nothing happened yet. */
export interface DeviceRecord {
  outcome?: { state: TerminalDeviceState; reason?: string };
  /** Set when the device was assigned the artifact. */
  clock?: DeviceClock;
  /** The gateway's latest word on its reachability, if the rollout noted one. */
  reachability?: { reachable: boolean; asOfSeq: number };
  /** Order among the excluded, timed-out and late-reporting devices (to list them as recorded). */
  excludedOrder?: number;
  timedOutOrder?: number;
  lateReportOrder?: number;
  /** After an abort with `revert`: its revert's clock, once the gateway spoke of it since the abort. */
  revertClock?: DeviceClock;
  /** Order among the devices whose revert timed out. */
  revertTimedOutOrder?: number;
}

const none: DeviceRecord = Object.freeze({});
const isPending = (r: DeviceRecord) => r.clock === undefined && r.excludedOrder === undefined;

/**
 * Every device's record in a rollout, with the counts the rollout's rules read and, per wave, where
 * its first device still to assign is. Immutable: a change returns a new ledger in O(1) per
 * device changed (amortised; the per-wave positions only move forward), whatever the fleet size.
 */
export class DeviceLedger {
  private constructor(
    /**
     * The rollout's devices in wave order and each one's position, fixed once its targets are all
     * listed. Both may hold more devices than this version has (`size`): a version adding targets
     * extends them in place when it is the longest (see `withTargets`).
     */
    private readonly order: string[],
    private readonly position: Map<string, number>,
    private readonly size: number,
    private readonly waveRanges: readonly (readonly [number, number])[],
    private readonly records: PersistentMap<string, DeviceRecord>,
    readonly tally: Readonly<DeviceTally>,
    /** Per wave, the position of its first device neither assigned nor excluded (or its end). */
    private readonly cursors: readonly number[],
  ) {}

  static of(deviceIds: readonly string[], strategy: Strategy): DeviceLedger {
    return new DeviceLedger([], new Map(), 0, [], PersistentMap.empty(), emptyTally(), []).withTargets(deviceIds, strategy);
  }

  /**
   * The devices in rollout order. No copy when this version is the longest: a state kept while a
   * creation's chunks are folded (never the case: a decision sees a creation whole) would see the
   * later chunks' devices too.
   */
  deviceIds(): readonly string[] {
    return this.order.length === this.size ? this.order : this.order.slice(0, this.size);
  }

  /** How many devices the rollout targets (so far, while its target chunks are folded). */
  get deviceCount(): number {
    return this.size;
  }

  isMember(deviceId: string): boolean {
    return (this.position.get(deviceId) ?? Number.POSITIVE_INFINITY) < this.size;
  }

  /**
   * A ledger with `deviceIds` added at the end of the rollout order (ids it holds already are
   * skipped). O(ids added) when this is the longest version of the order (the usual fold), else one
   * copy of it: the versions sharing the order and positions only read up to their own size.
   */
  withTargets(deviceIds: readonly string[], strategy: Strategy): DeviceLedger {
    const tip = this.order.length === this.size;
    const order = tip ? this.order : this.order.slice(0, this.size);
    const position = tip ? this.position : new Map([...this.position].filter(([, at]) => at < this.size));
    const tally = { ...this.tally };
    for (const deviceId of deviceIds) {
      if (position.has(deviceId)) continue;
      const record = this.record(deviceId);
      counted(tally, false, record, -1);
      counted(tally, true, record, 1);
      position.set(deviceId, order.length);
      order.push(deviceId);
    }
    const ranges = strategy.waves.map((_, wave) => waveRange(strategy, wave, order.length));
    const next = new DeviceLedger(order, position, order.length, ranges, this.records, tally, []);
    return new DeviceLedger(
      order,
      position,
      order.length,
      ranges,
      this.records,
      tally,
      ranges.map(([from, to]) => next.advanced(this.records, from, to)),
    );
  }

  record(deviceId: string): DeviceRecord {
    return this.records.get(deviceId) ?? none;
  }

  /** Every device with a record, in no particular order. */
  forEach(fn: (record: DeviceRecord, deviceId: string) => void): void {
    this.records.forEach(fn);
  }

  /** The wave of a device of the rollout, by its place in the order (wave 0 for one it does not hold). */
  waveOf(deviceId: string): number {
    const at = this.position.get(deviceId);
    return at === undefined || at >= this.size ? 0 : this.waveAt(at);
  }

  /**
   * Every device of the rollout that has a record, with its wave: O(records), not O(devices). A
   * device without a record was never assigned, excluded or reported on.
   */
  forEachMember(fn: (record: DeviceRecord, deviceId: string, wave: number) => void): void {
    this.records.forEach((record, deviceId) => {
      const at = this.position.get(deviceId);
      if (at !== undefined && at < this.size) fn(record, deviceId, this.waveAt(at));
    });
  }

  private waveAt(position: number): number {
    const wave = this.waveRanges.findIndex(([from, to]) => position >= from && position < to);
    return wave === -1 ? 0 : wave;
  }

  /** A ledger with `change` applied to each of `deviceIds`' records (returning the same record changes nothing). */
  changed(deviceIds: readonly string[], change: (record: DeviceRecord, deviceId: string) => DeviceRecord): DeviceLedger {
    let records = this.records;
    const tally = { ...this.tally };
    let movedCursor = false;
    for (const deviceId of deviceIds) {
      const before = records.get(deviceId) ?? none;
      const after = change(before, deviceId);
      if (after === before) continue;
      const member = this.isMember(deviceId);
      counted(tally, member, before, -1);
      counted(tally, member, after, 1);
      records = records.set(deviceId, after);
      movedCursor ||= member && isPending(before) !== isPending(after);
    }
    if (records === this.records) return this;
    const cursors = movedCursor ? this.cursors.map((at, wave) => this.advanced(records, at, this.waveRanges[wave]![1])) : this.cursors;
    return new DeviceLedger(this.order, this.position, this.size, this.waveRanges, records, tally, cursors);
  }

  /**
   * The first `limit` devices of `wave` neither assigned nor excluded, in rollout order, and no
   * more than fit one event (`fitsOneEvent`) when `oneEvent` is set.
   */
  pending(strategy: Strategy, wave: number, limit: number, oneEvent = false): string[] {
    const [from, to] = this.waveRanges[wave] ?? waveRange(strategy, wave, this.size);
    const out: string[] = [];
    let bytes = 1;
    for (let i = this.cursors[wave] ?? from; i < to && out.length < limit; i++) {
      const deviceId = this.order[i]!;
      if (!isPending(this.record(deviceId))) continue;
      bytes += deviceId.length + 3;
      if (oneEvent && out.length > 0 && bytes > deviceIdsBytesPerEvent) break;
      out.push(deviceId);
    }
    return out;
  }

  private advanced(records: PersistentMap<string, DeviceRecord>, at: number, end: number): number {
    while (at < end && !isPending(records.get(this.order[at]!) ?? none)) at++;
    return at;
  }
}

/** The positions `devicesOfWave` covers: from the end of the previous wave to this one's. */
export function waveRange(strategy: Strategy, wave: number, count: number): [number, number] {
  const from = wave === 0 ? 0 : coveredBy(strategy, wave - 1, count);
  return [from, Math.max(from, coveredBy(strategy, wave, count))];
}
