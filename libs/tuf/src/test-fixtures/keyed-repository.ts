import { Targets, type Root, type Snapshot, type Timestamp } from '@tufjs/models';
import {
  binNames,
  binOf,
  expiresAt,
  hashBinsOf,
  nextBin,
  nextDelegatingTargets,
  nextSnapshot,
  nextTimestamp,
  specVersion,
  targetFileOf,
  type TufRoleName,
} from '../index.js';
import { blobName, metadataFileName, type Signing } from './served-repository.js';
import {
  day,
  newSigningKey,
  rootOf,
  servedBytes,
  sha256,
  signedBy,
  type AnySigned,
  type RoleSigningKeys,
  type SigningKey,
} from './signing-keys.js';

/** What a publish signed: the target as an assignment names it. */
export interface PublishedTarget {
  targetPath: string;
  sha256: string;
  length: number;
}

/** The shape of a repository: `bins` hash bins (TAP 15, as the signer keeps a fleet's targets) or flat; `rootKeys` of threshold as many. */
export interface RepositoryShape {
  bins?: number;
  rootKeys?: number;
}

/**
 * A fleet repository with real ed25519 keys, laid out as the facade serves it (`<N>.root.json`,
 * `timestamp.json`, `<N>.snapshot.json`, `<N>.targets.json`, `<N>.bins-<hex>.json`, targets as
 * `<dir>/<sha256>.<basename>`), with a key set a spec controls: `rootKeys` root keys of threshold as
 * many (default 2, the production ceremony's shape) and one key per other role, which the spec can
 * rotate, revoke, or use to sign what it likes. Every properly signed document is also kept in
 * `signings`, in order, as the signer's events carry them (see `tufEventsOf`).
 */
export class KeyedRepository {
  readonly metadata = new Map<string, Buffer>();
  readonly blobs = new Map<string, Buffer>();
  readonly signings: Signing[] = [];
  readonly keys: RoleSigningKeys;
  private readonly rootThreshold: number;
  private root: Root;
  private targets: Targets;
  private readonly bins: Record<string, Targets> = {};
  private snapshot: Snapshot;
  private timestamp: Timestamp | null = null;

  constructor(shape: RepositoryShape = {}) {
    this.rootThreshold = shape.rootKeys ?? 2;
    const rootKeys = Array.from({ length: this.rootThreshold }, newSigningKey);
    this.keys = { root: rootKeys, targets: [newSigningKey()], snapshot: [newSigningKey()], timestamp: [newSigningKey()] };
    this.root = rootOf(1, this.keys, this.rootThreshold);
    this.record('root', this.root, this.keys.root);
    const now = new Date();
    this.targets = shape.bins
      ? nextDelegatingTargets(null, this.root, shape.bins, now, 90 * day)
      : new Targets({ version: 1, specVersion, expires: expiresAt(now, 90 * day) });
    this.record('targets', this.targets, this.keys.targets);
    for (const bin of binNames(this.targets)) {
      this.bins[bin] = nextBin(null, [], now, 90 * day);
      this.record(bin, this.bins[bin], this.keys.targets);
    }
    this.snapshot = nextSnapshot(null, this.targets.version, now, 7 * day, this.binVersions());
    this.record('snapshot', this.snapshot, this.keys.snapshot);
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
    return { root: this.root.version, targets: this.targets.version, snapshot: this.snapshot.version, timestamp: this.timestamp!.version };
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
    const published = { targetPath, sha256: sha256(bytes), length: bytes.length };
    this.blobs.set(blobName(targetPath, published.sha256), Buffer.from(bytes));
    const role = hashBinsOf(this.targets) ? this.binOf(targetPath) : 'targets';
    const current = role === 'targets' ? this.targets : this.bins[role]!;
    const file = targetFileOf({ path: targetPath, length: bytes.length, sha256: published.sha256, custom });
    const targets = { ...current.targets, [targetPath]: file };
    const expires = expiresAt(new Date(), 90 * day);
    const next = new Targets({ version: current.version + 1, specVersion, expires, targets, delegations: current.delegations });
    if (role === 'targets') this.targets = next;
    else this.bins[role] = next;
    this.record(role, next, this.keys.targets, [targetPath]);
    this.signSnapshot(role === 'targets' ? {} : { [role]: next.version });
    return published;
  }

  /** A new timestamp only (same snapshot), valid for `seconds` from now: 0 expires at once, negative makes it born expired. */
  renewTimestamp(seconds: number): void {
    this.timestamp = nextTimestamp(this.timestamp, this.snapshot.version, new Date(), seconds);
    this.record('timestamp', this.timestamp, this.keys.timestamp);
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
  }

  private signSnapshot(delegated: Record<string, number>): void {
    this.snapshot = nextSnapshot(this.snapshot, this.targets.version, new Date(), 7 * day, delegated);
    this.record('snapshot', this.snapshot, this.keys.snapshot);
    this.renewTimestamp(day);
  }

  private binVersions(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.bins).map(([bin, targets]) => [bin, targets.version]));
  }

  /** Signs `body` as `role` (a top-level role or a bin), serves it by its consistent-snapshot name and logs it. */
  private record(
    role: string,
    body: AnySigned,
    signers: SigningKey[],
    targetPaths: string[] = [],
    metadata = signedBy(body, signers),
  ): void {
    this.metadata.set(metadataFileName(role, body.version), servedBytes(metadata));
    const document = metadata.toJSON() as Record<string, unknown>;
    this.signings.push({ role, version: body.version, expires: body.expires, document, targetPaths });
  }
}
