import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

// A refresh starts from the metadata the device trusted at its last refresh: tuf-js reads root,
// timestamp, snapshot and targets (and bins) back from disk and checks each one's signatures again
// (TUF client workflow 5.2, 5.4–5.6: the local copies are the rollback reference). Within one agent
// run those are mostly the very bytes this device already checked: the root always, the timestamp
// and snapshot of the last refresh, the targets and bins that did not change. A signature check is
// a pure function of three inputs — the delegator's document, the role name, the delegate's
// document — and each document a pure function of its bytes. So a device remembers which
// (role, delegator bytes, delegate bytes) it found signed, by sha256, and does not check that
// triple again. Different bytes on either side (a tampered file, a new version, a rotated root) are
// checked in full. Only passes are remembered, per device (one `VerifiedBytes` per agent), never
// shared between devices. Expiry, versions and hashes are checked as before (not signature work).

interface MetadataLike {
  verifyDelegate(role: string, delegate: MetadataLike): void;
}
interface StoreLike {
  root: MetadataLike;
  getRole(name: string): MetadataLike | undefined;
}
type StoreMethod = (this: StoreLike, bytes: Buffer, ...rest: unknown[]) => unknown;

const requireFromTufJs = createRequire(createRequire(import.meta.url).resolve('tuf-js'));
const { TrustedMetadataStore } = requireFromTufJs('./store.js') as { TrustedMetadataStore: { prototype: Record<string, StoreMethod> } };
const { Metadata } = requireFromTufJs('@tufjs/models') as { Metadata: { prototype: MetadataLike } };
const { version } = requireFromTufJs('../package.json') as { version: string };

const digest = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** One device's memory of the signature checks it passed (bounded: past `max`, it starts again). */
export class VerifiedBytes {
  private readonly passed = new Set<string>();
  constructor(private readonly max = 64) {}
  has(key: string): boolean {
    return this.passed.has(key);
  }
  add(key: string): void {
    if (this.passed.size >= this.max) this.passed.clear();
    this.passed.add(key);
  }
}

/** The bytes each held document was parsed from, and the device memory of each store. */
const bytesOf = new WeakMap<MetadataLike, string>();
const memoryOf = new WeakMap<object, VerifiedBytes>();
/** The check in progress inside one synchronous store call: its store's memory and the delegate's bytes. */
let current: { memory: VerifiedBytes; delegateBytes: string } | undefined;
/** Set while an Updater is built (its constructor loads the root synchronously). */
let building: VerifiedBytes | undefined;

const originalVerifyDelegate = Metadata.prototype.verifyDelegate;
function verifyDelegateRemembered(this: MetadataLike, role: string, delegate: MetadataLike): void {
  const delegator = this === delegate ? current?.delegateBytes : bytesOf.get(this);
  const key = current && delegator ? `${role}\0${delegator}\0${current.delegateBytes}` : undefined;
  if (key && current!.memory.has(key)) return;
  originalVerifyDelegate.call(this, role, delegate);
  if (key) current!.memory.add(key);
}

/** Runs a store method that parses `bytes` with the memory of its device, and records what it then holds. */
function remembering(name: string, held: (store: StoreLike, rest: unknown[]) => MetadataLike | undefined): void {
  const original = TrustedMetadataStore.prototype[name]!;
  TrustedMetadataStore.prototype[name] = function (this: StoreLike, bytes: Buffer, ...rest: unknown[]) {
    const memory = memoryOf.get(this) ?? building;
    if (!memory) return original.call(this, bytes, ...rest);
    if (building) memoryOf.set(this, building);
    const delegateBytes = digest(bytes);
    current = { memory, delegateBytes };
    try {
      const result = original.call(this, bytes, ...rest);
      const document = held(this, rest);
      if (document) bytesOf.set(document, delegateBytes);
      return result;
    } finally {
      current = undefined;
    }
  };
}

/** Builds an Updater (`make`) whose signature checks use `memory`: the device's own. */
export function withVerifiedBytes<T>(memory: VerifiedBytes, make: () => T): T {
  building = memory;
  try {
    return make();
  } finally {
    building = undefined;
  }
}

/** Whether checks are remembered: only on the tuf-js version this was checked against. */
export const verifiedBytesInstalled = /^6\.0\./.test(version);
if (verifiedBytesInstalled) {
  Metadata.prototype.verifyDelegate = verifyDelegateRemembered;
  remembering('loadTrustedRoot', (store) => store.root);
  remembering('updateTimestamp', (store) => store.getRole('timestamp'));
  remembering('updateSnapshot', (store) => store.getRole('snapshot'));
  remembering('updateDelegatedTargets', (store, [roleName]) => store.getRole(String(roleName)));
}
