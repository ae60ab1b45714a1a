import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { DeviceIds, SubjectToken } from '../kit/tokens.js';

/**
 * The most JSON bytes of device ids one rollout event carries. With the rest of the largest such
 * event (two 63-byte subject tokens, a wave, a time: under 400 bytes) and its headers, every rollout
 * event stays under 64 KiB, far below the broker's max_payload, whatever the fleet size.
 */
export const deviceIdsBytesPerEvent = 60_000;

/** The most bytes of JSON one rollout event may take: 64 KiB, less room for its headers. */
export const maxRolloutEventBytes = 63 * 1024;

/**
 * The most devices one rollout may target. A creation is one atomic append (nats-server takes at
 * most 1000 messages in a batch): at the longest device id (63 bytes) a chunk holds 909 ids, and
 * a creation whose first wave is 100 % writes its ids twice (targets, then assignments) plus 2
 * events, which is 882 messages for 400,000 devices.
 */
export const maxRolloutDevices = 400_000;

/** The bytes `id` adds to a JSON array of ids: its quotes and a comma (ids are ASCII subject tokens). */
const bytesOf = (id: string) => id.length + 3;

/** Whether `ids` as a JSON array fit in one event's budget. */
export const fitsOneEvent = (ids: readonly string[]): boolean => ids.reduce((n, id) => n + bytesOf(id), 1) <= deviceIdsBytesPerEvent;

/**
 * Splits device ids into consecutive chunks that each fit one event, order kept: concatenating the
 * chunks gives `ids` back. Greedy, so every chunk but the last is as full as the budget allows.
 */
export function chunkDeviceIds(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = 1; // the brackets, less the comma the last id does not need
  for (const id of ids) {
    if (chunk.length > 0 && bytes + bytesOf(id) > deviceIdsBytesPerEvent) {
      chunks.push(chunk);
      chunk = [];
      bytes = 1;
    }
    chunk.push(id);
    bytes += bytesOf(id);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * Devices of a rollout just created, in wave order: `from` is the position of the first of them in
 * the rollout's order (0 for the first chunk). Written right after `RolloutCreated` in the same
 * atomic append, as many chunks as it takes, until `deviceCount` devices are listed.
 */
export const RolloutTargetsAdded = defineMessage('RolloutTargetsAdded', 1, {
  fleet: SubjectToken,
  rolloutId: SubjectToken,
  from: z
    .number()
    .int()
    .min(0)
    .max(maxRolloutDevices - 1),
  deviceIds: DeviceIds.refine(
    (ids) => ids.length > 0 && fitsOneEvent(ids),
    `1 or more device ids, at most ${deviceIdsBytesPerEvent} bytes of them`,
  ),
});
export type RolloutTargetsAdded = z.infer<typeof RolloutTargetsAdded>;
