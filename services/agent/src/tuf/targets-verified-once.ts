import { createRequire } from 'node:module';

// tuf-js 6.0.x checks the top-level targets' signature twice per update: once when `refresh()` loads
// it (`updateDelegatedTargets`: snapshot hash, signature, version, expiry), and again when
// `getTargetInfo` walks the delegations, because its `loadTargets` calls `verifyDelegate` on a role
// it already holds. The second check is of the same parsed document by the same delegator, both
// kept unchanged in the updater's trusted set: it cannot come out differently, and it costs an
// Ed25519 verification and a canonical JSON serialisation per update (1 of the 6 checks of a
// device's update, issue 11). This keeps which delegator object verified which role object in this
// updater; a held role is returned without a second check only when the very same delegator object
// verified that very object. Anything else (a role loaded some other way, a replaced delegator) is
// checked again, as before. Patched on the copy tuf-js itself loads, like linear-snapshot.ts.

type Role = object;
interface TrustedSet {
  getRole(name: string): Role | undefined;
  updateDelegatedTargets(bytes: Buffer, roleName: string, delegatorName: string): void;
}
interface TrustedStoreClass {
  prototype: TrustedSet;
}
interface UpdaterLike {
  trustedSet: TrustedSet;
  loadTargets(role: string, parentRole: string): Promise<Role | undefined>;
}
interface UpdaterClass {
  prototype: UpdaterLike;
}

const requireFromHere = createRequire(import.meta.url);
const tufJsMain = requireFromHere.resolve('tuf-js');
const requireFromTufJs = createRequire(tufJsMain);
const { Updater } = requireFromTufJs('./updater.js') as { Updater: UpdaterClass };
const { TrustedMetadataStore } = requireFromTufJs('./store.js') as { TrustedMetadataStore: TrustedStoreClass };
const { version } = requireFromTufJs('../package.json') as { version: string };

/** The library's own methods, for the spec. */
export const originalTargetsLoading = {
  loadTargets: Updater.prototype.loadTargets,
  updateDelegatedTargets: TrustedMetadataStore.prototype.updateDelegatedTargets,
};

/** Role object → the delegator object whose keys verified it (weak: gone with the updater). */
const verifiedBy = new WeakMap<Role, Role>();

function updateDelegatedTargetsRecorded(this: TrustedSet, bytes: Buffer, roleName: string, delegatorName: string): void {
  originalTargetsLoading.updateDelegatedTargets.call(this, bytes, roleName, delegatorName);
  // Reached only when every check passed: the role now held was verified by the delegator held now.
  const [role, delegator] = [this.getRole(roleName), this.getRole(delegatorName)];
  if (role && delegator) verifiedBy.set(role, delegator);
}

async function loadTargetsOnce(this: UpdaterLike, role: string, parentRole: string): Promise<Role | undefined> {
  const held = this.trustedSet.getRole(role);
  const delegator = this.trustedSet.getRole(parentRole);
  if (held && delegator && verifiedBy.get(held) === delegator) return held;
  return originalTargetsLoading.loadTargets.call(this, role, parentRole);
}

/** Whether the second check is skipped: only on the tuf-js version this was checked against. */
export const targetsVerifiedOnceInstalled = /^6\.0\./.test(version);
if (targetsVerifiedOnceInstalled) {
  TrustedMetadataStore.prototype.updateDelegatedTargets = updateDelegatedTargetsRecorded;
  Updater.prototype.loadTargets = loadTargetsOnce;
}
