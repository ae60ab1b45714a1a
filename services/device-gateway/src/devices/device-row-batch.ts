import type { DeviceEvent } from '@keelson/events';
import { evolveDeviceRow, type DeviceRow, type EventPosition } from './device-row.js';

/** A `devices` row with the sequence of the event that last wrote it (its redelivery guard). */
export interface StoredDeviceRow {
  row: DeviceRow;
  lastSeq: number;
}

/** One device event with its place in the stream. */
export interface PositionedDeviceEvent extends EventPosition {
  event: DeviceEvent;
}

const later = (a: string | null, b: string | null): string | null => {
  if (a === null || b === null) return a ?? b; // as GREATEST: a null never wins
  return Date.parse(b) > Date.parse(a) ? b : a;
};

/**
 * The row the projection's upsert leaves when it writes `next` over `stored`: the enrollment's
 * fleet, time and sequence stay as first written, and last-seen only moves forward (a hello may
 * have moved it past what an event says).
 */
export function upsertedRow(stored: DeviceRow | null, next: DeviceRow): DeviceRow {
  if (!stored) return next;
  return {
    ...next,
    fleet: stored.fleet,
    enrolledAt: stored.enrolledAt,
    enrolledSeq: stored.enrolledSeq,
    lastSeenAt: later(stored.lastSeenAt, next.lastSeenAt),
  };
}

/**
 * Folds a batch of device events, in the order given, into the rows it changes, starting from the
 * rows as stored (keyed by device id): the same rows writing the events one by one would leave.
 * An event at or below a row's last sequence is a redelivery and changes nothing; events of a
 * device that has not enrolled are ignored. Returns only the rows to write.
 */
export function foldDeviceRows(
  stored: ReadonlyMap<string, StoredDeviceRow>,
  events: PositionedDeviceEvent[],
): Map<string, StoredDeviceRow> {
  const current = new Map(stored);
  const changed = new Map<string, StoredDeviceRow>();
  for (const { event, seq, time } of events) {
    const { deviceId } = event.data;
    const before = current.get(deviceId);
    if (before && seq <= before.lastSeq) continue;
    const next = evolveDeviceRow(before?.row ?? null, event, { seq, time });
    if (!next) continue;
    const after = { row: upsertedRow(before?.row ?? null, next), lastSeq: seq };
    current.set(deviceId, after);
    changed.set(deviceId, after);
  }
  return changed;
}
