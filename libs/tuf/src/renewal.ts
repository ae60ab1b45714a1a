import type { Root, Snapshot, Targets, Timestamp } from '@tufjs/models';
import { needsRenewal, type TufLifetimes } from './lifetimes.js';

/** The signed metadata currently in force, as models. */
export interface CurrentMetadata {
  root: Root;
  targets: Targets;
  snapshot: Snapshot;
  timestamp: Timestamp;
}

/** Which roles to re-sign now; a re-signed role forces a new version of whatever lists it. */
export interface RenewalPlan {
  root: boolean;
  targets: boolean;
  snapshot: boolean;
  timestamp: boolean;
}

/**
 * Decides what to renew: each role whose metadata has less than half its lifetime left, plus the
 * roles that must follow it. A new targets needs a new snapshot (it lists the targets version) and a
 * new snapshot a new timestamp (TUF spec 4.4, 4.6). The root stands alone: nothing lists its version.
 * Returns null when nothing needs renewing.
 */
export function planRenewal(current: CurrentMetadata, lifetimes: TufLifetimes, now: Date): RenewalPlan | null {
  const root = needsRenewal(current.root.expires, lifetimes.root, now);
  const targets = needsRenewal(current.targets.expires, lifetimes.targets, now);
  const snapshot = targets || needsRenewal(current.snapshot.expires, lifetimes.snapshot, now);
  const timestamp = snapshot || needsRenewal(current.timestamp.expires, lifetimes.timestamp, now);
  return root || timestamp ? { root, targets, snapshot, timestamp } : null;
}
