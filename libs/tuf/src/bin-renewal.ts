import { needsRenewal } from './lifetimes.js';

/** When one hash bin's metadata in force expires. */
export interface BinExpiry {
  role: string;
  expires: string;
}

/**
 * The bins to re-sign now: those with less than half their lifetime left (bins live as long as the
 * top-level targets). A re-signed bin needs a new snapshot, which lists its version (TUF spec 4.4),
 * and so a new timestamp.
 */
export function binsToRenew(bins: BinExpiry[], lifetimeSeconds: number, now: Date): string[] {
  return bins.filter((b) => needsRenewal(b.expires, lifetimeSeconds, now)).map((b) => b.role);
}
