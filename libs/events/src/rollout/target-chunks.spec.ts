import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseRolloutEvent } from './rollout-events.js';
import { chunkDeviceIds, deviceIdsBytesPerEvent, maxRolloutDevices } from './target-chunks.js';

const ref = { fleet: 'f'.repeat(63), rolloutId: 'r'.repeat(63) };
const at = '2026-11-23T09:00:00.000Z';
/** The longest device id a subject token allows, numbered so every one differs. */
const longest = (i: number) => `d${String(i).padStart(62, '0')}`;
const bytes = (event: unknown) => Buffer.byteLength(JSON.stringify(event));

describe('device ids in chunks', () => {
  it('gives the ids back exactly when the chunks are put end to end: same order, none twice, none lost', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `dev-${(i * 7919) % 10_000}`);
    const chunks = chunkDeviceIds(ids);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(ids);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
  });

  it('fills every chunk but the last as far as the byte budget allows', () => {
    const chunks = chunkDeviceIds(Array.from({ length: 5000 }, (_, i) => longest(i)));
    for (const chunk of chunks.slice(0, -1))
      expect(JSON.stringify([...chunk, longest(99_999)]).length).toBeGreaterThan(deviceIdsBytesPerEvent);
  });

  it('keeps every event that carries a chunk under 64 KiB at the longest ids, fleet and rollout ids', () => {
    const chunks = chunkDeviceIds(Array.from({ length: 3000 }, (_, i) => longest(i)));
    let from = 0;
    for (const deviceIds of chunks) {
      const targets = { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...ref, from, deviceIds } };
      const assigned = { type: 'DevicesAssigned', schemaVersion: 1, data: { ...ref, wave: 19, deviceIds, assignedAt: at } };
      expect(parseRolloutEvent(targets)).toEqual(targets);
      expect(Math.max(bytes(targets), bytes(assigned))).toBeLessThanOrEqual(64 * 1024);
      from += deviceIds.length;
    }
  });

  it('has a device limit whose creation fits one atomic batch of 1000 messages even at the longest ids', () => {
    const perChunk = chunkDeviceIds(Array.from({ length: 2000 }, (_, i) => longest(i)))[0]!.length;
    // the creation, its target chunks, the first wave's start and (a 100 % first wave) its assignment chunks
    expect(2 + 2 * Math.ceil(maxRolloutDevices / perChunk)).toBeLessThanOrEqual(1000);
  });

  it('refuses a chunk over the byte budget, an empty one, and one with a device twice', () => {
    const data = (deviceIds: string[]) => ({ type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...ref, from: 0, deviceIds } });
    expect(rejectedPaths(parseRolloutEvent, data(Array.from({ length: 1000 }, (_, i) => longest(i))))).toEqual(['data.deviceIds']);
    expect(rejectedPaths(parseRolloutEvent, data([]))).toEqual(['data.deviceIds']);
    expect(rejectedPaths(parseRolloutEvent, data(['d-1', 'd-1']))).toEqual(['data.deviceIds']);
  });
});
