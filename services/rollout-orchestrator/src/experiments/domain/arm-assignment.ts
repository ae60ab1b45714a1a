import { createHash } from 'node:crypto';

/** The devices of a group split into the experiment's arms; `untouched` keeps whatever it runs. */
export interface ArmAssignment {
  candidate: string[];
  control: string[];
  untouched: string[];
}

/** Where a device falls in an experiment's order: the first 8 bytes of sha256(experiment id, device id). */
function rankOf(experimentId: string, deviceId: string): bigint {
  return createHash('sha256').update(`${experimentId}\u0000${deviceId}`).digest().readBigUInt64BE(0);
}

/**
 * Stable assignment: the group's devices ordered by a hash of (experiment id, device id); the first
 * `split` % (at least one) form the candidate arm, as many of the next form the control arm. The same
 * experiment and devices always give the same arms, whatever order the group lists them in, and
 * another experiment on the same group draws other arms.
 */
export function assignArms(experimentId: string, deviceIds: readonly string[], split: number): ArmAssignment {
  const ranked = [...new Set(deviceIds)]
    .map((deviceId) => ({ deviceId, rank: rankOf(experimentId, deviceId) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.deviceId.localeCompare(b.deviceId)))
    .map((d) => d.deviceId);
  const armSize = Math.max(1, Math.round((ranked.length * split) / 100));
  const control = Math.min(armSize, ranked.length - armSize);
  return {
    candidate: ranked.slice(0, armSize),
    control: ranked.slice(armSize, armSize + control),
    untouched: ranked.slice(armSize + control),
  };
}
