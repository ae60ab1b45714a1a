import type { Root, Snapshot, Targets, Timestamp } from '@tufjs/models';
import {
  binNames,
  binOf,
  hashBinsOf,
  nextBin,
  nextDelegatingTargets,
  nextSnapshot,
  nextTimestamp,
  type TargetEntry,
  type TufRoleName,
} from '../index.js';
import { atVersion, byRole, withTargets, type ChosenVersion } from './metadata-bodies.js';
import { metadataFileName, ServedRepository, type Signing } from './served-repository.js';
import { day, newSigningKey, rootOf, servedBytes, signedBy, type RoleSigningKeys, type SigningKey } from './signing-keys.js';

/** What a publish signed: the target as an assignment names it. */
export interface PublishedTarget {
  targetPath: string;
  sha256: string;
  length: number;
}

/**
 * The shape of a repository: `bins` hash bins (TAP 15, as the signer keeps a fleet's targets) or flat;
 * `rootKeys` of threshold as many; `targets` (path -> bytes) its first targets (or their bins) already sign.
 */
export interface RepositoryShape {
  bins?: number;
  rootKeys?: number;
  targets?: Record<string, Buffer>;
}

/**
 * A fleet repository with real ed25519 keys, laid out as the facade serves it (`<N>.root.json`,
 * `timestamp.json`, `<N>.snapshot.json`, `<N>.targets.json`, `<N>.bins-<hex>.json`, targets as
 * `<dir>/<sha256>.<basename>`), with a key set a spec controls: `rootKeys` root keys of threshold as
 * many (default 2, the production ceremony's shape) and one key per other role, which the spec can
 * rotate, revoke, or use to sign what it likes. A spec may also choose the version of what is signed
 * next (a gap, or a version signed again) and what a snapshot or timestamp names. Every properly
 * signed document is also kept in `signings`, in order, as the signer's events carry them (see `tufEventsOf`).
 */
export class KeyedRepository extends ServedRepository {
  readonly keys: RoleSigningKeys;
  private readonly rootThreshold: number;
  private root: Root;
  private targets: Targets;
  private readonly bins: Record<string, Targets> = {};
  private snapshot: Snapshot | null = null;
  private timestamp: Timestamp | null = null;

  constructor(shape: RepositoryShape = {}) {
    super();
    this.rootThreshold = shape.rootKeys ?? 2;
    const rootKeys = Array.from({ length: this.rootThreshold }, newSigningKey);
    this.keys = { root: rootKeys, targets: [newSigningKey()], snapshot: [newSigningKey()], timestamp: [newSigningKey()] };
    this.root = rootOf(1, this.keys, this.rootThreshold);
    this.record('root', this.root, this.keys.root);
    const now = new Date();
    const delegating = shape.bins ? nextDelegatingTargets(null, this.root, shape.bins, now, 90 * day) : null;
    const first = byRole(delegating, this.keepAll(shape.targets ?? {}));
    const pathsOf = (role: string) => (first.get(role) ?? []).map((e) => e.path);
    this.targets = delegating ?? withTargets(null, first.get('targets') ?? [], 1, now);
    this.record('targets', this.targets, this.keys.targets, pathsOf('targets'));
    for (const bin of binNames(this.targets)) {
      this.bins[bin] = withTargets(null, first.get(bin) ?? [], 1, now);
      this.record(bin, this.bins[bin], this.keys.targets, pathsOf(bin));
    }
    this.signSnapshot(this.binVersions());
    this.renewTimestamp(day);
  }

  /** The version-1 root as enrollment pins it on a device. */
  get pinnedRoot(): Buffer {
    return this.metadata.get('1.root.json')!;
  }

  /** The version-1 root as JSON, as the signer's `get-root` answers it. */
  rootDocument(): Record<string, unknown> {
    return JSON.parse(this.pinnedRoot.toString('utf8')) as Record<string, unknown>;
  }

  get versions(): { root: number; targets: number; snapshot: number; timestamp: number } {
    const [snapshot, timestamp] = [this.snapshot!.version, this.timestamp!.version];
    return { root: this.root.version, targets: this.targets.version, snapshot, timestamp };
  }

  /** The current top-level targets (what an attacker holding its key starts from). */
  get topTargets(): Targets {
    return this.targets;
  }

  /** The hash bin that signs `targetPath` (a binned repository only). */
  binOf(targetPath: string): string {
    return binOf(this.targets, targetPath);
  }

  /**
   * Adds a target (`<kind>/<name>/<version>/<file>`) as the signer does: signs the next targets
   * (flat) or the next version of the target's bin only, then snapshot and timestamp.
   */
  publish(targetPath: string, bytes: Buffer, custom: Record<string, unknown> = {}): PublishedTarget {
    return this.signTargets([this.keep(targetPath, bytes, custom)], {})[0]!;
  }

  /**
   * Signs `targets` (path -> bytes) in one signing: the next version (or `chosen.version`) of the flat
   * targets, or of each bin they fall into, listing each path as added (a path signed before is
   * listed again, with these bytes: bytes other than the uploaded ones make a forged digest), then
   * snapshot and timestamp.
   */
  publishAll(targets: Record<string, Buffer>, chosen: ChosenVersion = {}): PublishedTarget[] {
    return this.signTargets(this.keepAll(targets), chosen);
  }

  /**
   * A snapshot only (no timestamp names it yet), at `chosen.version` or the next: the current listing
   * with `listed` (role -> version: `targets` or a bin, which the repository need not have) changed.
   */
  signSnapshot(listed: Record<string, number>, chosen: ChosenVersion = {}): Signing {
    const { targets = this.targets.version, ...delegated } = listed;
    this.snapshot = atVersion(nextSnapshot(this.snapshot, targets, new Date(), 7 * day, delegated), chosen.version);
    return this.record('snapshot', this.snapshot, this.keys.snapshot);
  }

  /**
   * A new timestamp only, valid for `seconds` from now (0 expires at once, negative makes it born
   * expired), at `chosen.version` or the next, naming the current snapshot or `chosen.snapshot`.
   */
  renewTimestamp(seconds: number, chosen: ChosenVersion & { snapshot?: number } = {}): Signing {
    const next = nextTimestamp(this.timestamp, chosen.snapshot ?? this.snapshot!.version, new Date(), seconds);
    this.timestamp = atVersion(next, chosen.version);
    return this.record('timestamp', this.timestamp, this.keys.timestamp);
  }

  /**
   * The next root with `role`'s keys replaced by `replacement` (the old ones revoked), signed by
   * `signers` (default: every current root key, exactly the threshold). The repository only
   * switches to the new keys when the root is properly signed; a binned repository then re-signs
   * its delegation and every bin with new targets keys, as the signer does.
   */
  rotate(role: TufRoleName, replacement: SigningKey[], signers: SigningKey[] = this.keys.root): Buffer {
    const keys = { ...this.keys, [role]: replacement };
    const next = rootOf(this.root.version + 1, keys, this.rootThreshold);
    // TUF spec 5.3.4: a new root is signed by a threshold of the old root keys and of the new ones.
    const metadata = signedBy(next, role === 'root' ? [...signers, ...replacement] : signers);
    const bytes = servedBytes(metadata);
    if (signers.filter((s) => this.keys.root.includes(s)).length < this.rootThreshold) {
      this.metadata.set(metadataFileName('root', next.version), bytes);
      return bytes;
    }
    Object.assign(this.keys, keys);
    this.root = next;
    this.record('root', next, [], [], metadata);
    if (role === 'targets' && hashBinsOf(this.targets)) this.redelegate();
    return bytes;
  }

  private redelegate(): void {
    const now = new Date();
    this.targets = nextDelegatingTargets(this.targets, this.root, binNames(this.targets).length, now, 90 * day);
    this.record('targets', this.targets, this.keys.targets);
    for (const bin of binNames(this.targets)) {
      this.bins[bin] = nextBin(this.bins[bin]!, [], now, 90 * day);
      this.record(bin, this.bins[bin], this.keys.targets);
    }
    this.signSnapshot(this.binVersions());
    this.renewTimestamp(day);
  }

  /** Signs `entries` into their roles (see `publishAll`), then snapshot and timestamp. */
  private signTargets(entries: TargetEntry[], chosen: ChosenVersion): PublishedTarget[] {
    const now = new Date();
    const bins: Record<string, number> = {};
    for (const [role, added] of byRole(hashBinsOf(this.targets) ? this.targets : null, entries)) {
      const current = role === 'targets' ? this.targets : this.bins[role]!;
      const next = withTargets(current, added, chosen.version ?? current.version + 1, now);
      if (role === 'targets') this.targets = next;
      else bins[role] = (this.bins[role] = next).version;
      const paths = added.map((e) => e.path);
      this.record(role, next, this.keys.targets, paths);
    }
    this.signSnapshot(bins);
    this.renewTimestamp(day);
    return entries.map((e) => ({ targetPath: e.path, sha256: e.sha256, length: e.length }));
  }

  private binVersions(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.bins).map(([bin, targets]) => [bin, targets.version]));
  }
}
