export { type TufLifetimes, defaultLifetimes, expiresAt, needsRenewal } from './lifetimes.js';
export { ed25519Key } from './keys.js';
export { canonicalSafe } from './canonical-safe.js';
export { type TargetEntry, type TargetStanding, targetFileOf, standingOf } from './target-entry.js';
export {
  specVersion,
  tufRoles,
  type TufRoleName,
  type RoleKeyMap,
  type UnsignedRepository,
  initialRepository,
  nextRoot,
  nextTargets,
  nextSnapshot,
  nextTimestamp,
} from './next-metadata.js';
export { type CurrentMetadata, type RenewalPlan, planRenewal } from './renewal.js';
export { type AnyMetadata, isSignedByRole } from './signatures.js';
export { type RoleTrust, rootWithRoleKeys, keyOf, keyFromJSON } from './root-drafts.js';
export { type CeremonyInput, ed25519KeyOfPrivatePem, draftRoot, rootDocument, signRootDocument } from './ceremony.js';
export {
  binNamePrefix,
  maxBinCount,
  isBinCount,
  binDelegations,
  hashBinsOf,
  binNames,
  binOf,
  assignToBins,
  binKeysFollowRoot,
  nextDelegatingTargets,
  nextBin,
  redelegatedBins,
  isSignedByBin,
} from './hashed-bins.js';
export { type BinExpiry, binsToRenew } from './bin-renewal.js';
