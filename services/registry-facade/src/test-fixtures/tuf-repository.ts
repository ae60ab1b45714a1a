import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, Signature, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import type { TufEvent } from '@keelson/events';
import {
  binOf, defaultLifetimes, ed25519Key, hashBinsOf, initialRepository, nextBin, nextSnapshot, nextTargets, nextTimestamp, tufRoles, type RoleKeyMap, type TufRoleName,
} from '@keelson/tuf';

type Signed = Root | Targets | Snapshot | Timestamp;

/**
 * A real, signed TUF repository for one fleet (ed25519, consistent snapshots), producing the events
 * the signer would append, so specs can check what a real TUF client makes of the facade. With
 * `binCount` its targets live in hash bins, as the signer keeps them; without, it is a flat
 * repository as the signer kept them before hash bins.
 */
export class SignedRepository {
  private readonly keys = {} as RoleKeyMap;
  private readonly privateKeys = {} as Record<TufRoleName, KeyObject>;
  root: Root;
  private targets: Targets;
  private snapshot: Snapshot;
  private timestamp: Timestamp;
  private bins: Record<string, Targets>;

  constructor(
    private readonly fleet: string,
    binCount?: number,
  ) {
    for (const role of tufRoles) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      this.keys[role] = ed25519Key(publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex'));
      this.privateKeys[role] = privateKey;
    }
    ({ root: this.root, targets: this.targets, snapshot: this.snapshot, timestamp: this.timestamp, bins: this.bins } = initialRepository(this.keys, defaultLifetimes, new Date(), binCount));
  }

  /** The signed root a device pins at enrollment. */
  rootDocument(): Record<string, unknown> {
    return this.signAs('root', this.root);
  }

  /** The events of version 1 of every role. */
  initialEvents(): TufEvent[] {
    return [
      { type: 'RootMetadataSigned', schemaVersion: 1, data: this.data(this.root, this.rootDocument()) },
      { type: 'TargetsSigned', schemaVersion: 1, data: { ...this.data(this.targets, this.signAs('targets', this.targets)), targetPaths: [] } },
      ...Object.keys(this.bins).map((role) => this.binSigned(role, [])),
      ...this.snapshotAndTimestamp(),
    ];
  }

  /** The bin a path is signed in (hash-bin repositories only). */
  binOf(path: string): string {
    return binOf(this.targets, path);
  }

  /** Signs a new target into targets, then snapshot and timestamp, as the signer does on ArtifactReceived. */
  addTarget(entry: { path: string; length: number; sha256: string }): TufEvent[] {
    const now = new Date();
    if (hashBinsOf(this.targets)) {
      const bin = binOf(this.targets, entry.path);
      this.bins[bin] = nextBin(this.bins[bin]!, [{ ...entry, custom: { keelson: { artifactId: 'spec' } } }], now, defaultLifetimes.targets);
      this.snapshot = nextSnapshot(this.snapshot, this.targets.version, now, defaultLifetimes.snapshot, { [bin]: this.bins[bin].version });
      this.timestamp = nextTimestamp(this.timestamp, this.snapshot.version, now, defaultLifetimes.timestamp);
      return [this.binSigned(bin, [entry.path]), ...this.snapshotAndTimestamp()];
    }
    this.targets = nextTargets(this.targets, [{ ...entry, custom: { keelson: { artifactId: 'spec' } } }], now, defaultLifetimes.targets);
    this.snapshot = nextSnapshot(this.snapshot, this.targets.version, now, defaultLifetimes.snapshot);
    this.timestamp = nextTimestamp(this.timestamp, this.snapshot.version, now, defaultLifetimes.timestamp);
    return [
      { type: 'TargetsSigned', schemaVersion: 1, data: { ...this.data(this.targets, this.signAs('targets', this.targets)), targetPaths: [entry.path] } },
      ...this.snapshotAndTimestamp(),
    ];
  }

  private binSigned(role: string, targetPaths: string[]): TufEvent {
    const bin = this.bins[role]!;
    return { type: 'DelegatedTargetsSigned', schemaVersion: 1, data: { ...this.data(bin, this.signAs('targets', bin)), role, targetPaths } };
  }

  private snapshotAndTimestamp(): TufEvent[] {
    return [
      { type: 'SnapshotSigned', schemaVersion: 1, data: this.data(this.snapshot, this.signAs('snapshot', this.snapshot)) },
      { type: 'TimestampRenewed', schemaVersion: 1, data: this.data(this.timestamp, this.signAs('timestamp', this.timestamp)) },
    ];
  }

  private data(signed: Signed, metadata: Record<string, unknown>) {
    return { fleet: this.fleet, version: signed.version, expires: new Date(signed.expires).toISOString(), metadata };
  }

  private signAs(role: TufRoleName, signed: Signed): Record<string, unknown> {
    const metadata = new Metadata(signed);
    const sig = sign(null, Buffer.from(canonicalize(signed.toJSON())), this.privateKeys[role]).toString('hex');
    metadata.signatures[this.keys[role].keyID] = new Signature({ keyID: this.keys[role].keyID, sig });
    return metadata.toJSON() as Record<string, unknown>;
  }
}
