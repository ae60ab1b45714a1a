import { z } from 'zod';
import { DeviceState, Reason, Wave } from '@keelson/events';

const count = z.number().int().min(0);

/**
 * One wave of a rollout at a glance: its devices, how many were assigned, are still in flight
 * (assigned, reachable, not ended), ended healthy or failed (`rolled_back`, `failed` or timed out),
 * timed out, are unreachable with their update pending, or left the rollout (`excluded`).
 */
export const WaveSummary = z.strictObject({
  wave: z.number().int().min(0).max(19),
  ...Wave.shape,
  devices: count,
  assigned: count,
  inFlight: count,
  healthy: count,
  failed: count,
  timedOut: count,
  unreachable: count,
  excluded: count,
});
export type WaveSummary = z.infer<typeof WaveSummary>;

/** How a device's revert (abort with `revert`) is going: assigned, then what the device reported about it. */
export const RevertProgress = z.strictObject({ state: z.union([DeviceState, z.literal('assigned')]), reason: Reason.optional() });
export type RevertProgress = z.infer<typeof RevertProgress>;

/** What a rollout view adds to a device beyond its state: timed out, unreachable (update pending), its revert. */
export const DeviceInFlight = {
  timedOut: z.literal(true).optional(),
  unreachable: z.literal(true).optional(),
  revert: RevertProgress.optional(),
};
