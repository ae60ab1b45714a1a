/** How long each role's metadata stays valid after it is signed, in seconds. */
export interface TufLifetimes {
  root: number;
  targets: number;
  snapshot: number;
  timestamp: number;
}

const day = 86_400;

/**
 * Defaults in the spirit of TUF spec 2.1 and python-tuf: the timestamp is short-lived so that a
 * freeze attack is noticed within a day; the others change rarely and live longer.
 */
export const defaultLifetimes: TufLifetimes = {
  root: 365 * day,
  targets: 90 * day,
  snapshot: 7 * day,
  timestamp: 1 * day,
};

/**
 * `now + seconds` as TUF writes an expiry: `YYYY-MM-DDTHH:MM:SSZ` (TUF spec 4.2, "expires"), no
 * fraction of a second, rounded down.
 */
export function expiresAt(now: Date, seconds: number): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * True when less than half of the role's lifetime is left. Half is the margin because a device may
 * refresh at any moment and its clock may be off: re-signing at half-life means a device that just
 * fetched the metadata still has at least half a lifetime (12 h for the default timestamp) before
 * it must see a newer one, and the signer can be down for that long without any device failing.
 */
export function needsRenewal(expires: string, lifetimeSeconds: number, now: Date): boolean {
  const remainingMs = Date.parse(expires) - now.getTime();
  return Number.isNaN(remainingMs) || remainingMs < (lifetimeSeconds * 1000) / 2;
}
