import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Metadata, MetaFile, Root, Signature, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';

const expires = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * A real TUF repository in memory for agent specs: one ed25519 key (node:crypto) for all four roles,
 * consistent snapshots, every publish re-signs targets, snapshot and timestamp. It serves the
 * files a facade would: `<N>.root.json`, `timestamp.json`, `<N>.snapshot.json`, `<N>.targets.json`
 * and the targets as `<dir>/<sha256>.<basename>`. With `{ bins }` the targets delegates to that many
 * succinct hash bins (TAP 15), as the signer keeps a fleet's targets: a publish re-signs only the
 * target's bin (`<N>.bins-<hex>.json`), snapshot and timestamp.
 */
export class TestTufRepository {
  readonly metadata = new Map<string, Buffer>();
  readonly blobs = new Map<string, Buffer>();
  private readonly privateKey: KeyObject;
  private readonly keyID: string;
  private readonly targets = new Map<string, TargetFile>();
  private version = 0;
  readonly root: Record<string, unknown>;
  private readonly top: Targets | null = null;
  private readonly binVersions = new Map<string, number>();

  constructor(options: { bins?: number } = {}) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    const keyVal = { public: publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex') };
    this.keyID = sha256(canonicalize({ keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal }));
    const root = new Root({ version: 1, specVersion: '1.0.31', expires: expires(365), consistentSnapshot: true });
    const key = new Key({ keyID: this.keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal });
    for (const role of ['root', 'targets', 'snapshot', 'timestamp']) root.addKey(key, role);
    this.root = this.signed(new Metadata(root)).toJSON() as Record<string, unknown>;
    this.metadata.set('1.root.json', Buffer.from(JSON.stringify(this.root)));
    if (options.bins) {
      this.top = Targets.fromJSON({
        _type: 'targets', spec_version: '1.0.31', version: 1, expires: expires(30), targets: {},
        delegations: { keys: { [this.keyID]: key.toJSON() }, succinct_roles: { keyids: [this.keyID], threshold: 1, bit_length: Math.log2(options.bins), name_prefix: 'bins' } },
      });
      this.metadata.set('1.targets.json', Buffer.from(JSON.stringify(this.signed(new Metadata(this.top)).toJSON())));
      for (const bin of this.top.delegations!.succinctRoles!.getRoles()) this.signBin(bin);
    }
    this.resign();
  }

  /** The hash bin that signs `targetPath` (a repository with bins only). */
  binOf(targetPath: string): string {
    return this.top!.delegations!.succinctRoles!.getRoleForTarget(targetPath);
  }

  /** Adds a target (`<kind>/<name>/<version>/<file>`) and signs a new targets, snapshot and timestamp. */
  publish(targetPath: string, bytes: Buffer): { targetPath: string; sha256: string; length: number } {
    const digest = sha256(bytes);
    this.targets.set(targetPath, new TargetFile({ path: targetPath, length: bytes.length, hashes: { sha256: digest } }));
    const slash = targetPath.lastIndexOf('/');
    this.blobs.set(`${targetPath.slice(0, slash)}/${digest}.${targetPath.slice(slash + 1)}`, Buffer.from(bytes));
    if (this.top) this.signBin(this.binOf(targetPath));
    this.resign();
    return { targetPath, sha256: digest, length: bytes.length };
  }

  /** Flips one byte of a stored target, as a compromised blob store would. */
  tamper(targetPath: string): void {
    const slash = targetPath.lastIndexOf('/');
    const [dir, base] = [targetPath.slice(0, slash), targetPath.slice(slash + 1)];
    for (const [key, blob] of this.blobs) {
      if (key.startsWith(`${dir}/`) && key.endsWith(`.${base}`)) blob[0] = blob[0]! ^ 0xff;
    }
  }

  /** Signs the next version of `bin` with the targets in it. */
  private signBin(bin: string): void {
    const version = (this.binVersions.get(bin) ?? 0) + 1;
    const targets = Object.fromEntries([...this.targets].filter(([path]) => this.binOf(path) === bin));
    const signed = this.signed(new Metadata(new Targets({ version, specVersion: '1.0.31', expires: expires(30), targets })));
    this.binVersions.set(bin, version);
    this.metadata.set(`${version}.${bin}.json`, Buffer.from(JSON.stringify(signed.toJSON())));
  }

  private resign(): void {
    this.version += 1;
    const v = this.version;
    const meta: Record<string, MetaFile> = { 'targets.json': new MetaFile({ version: this.top ? 1 : v }) };
    for (const [bin, version] of this.binVersions) meta[`${bin}.json`] = new MetaFile({ version });
    if (!this.top) {
      const targets = this.signed(new Metadata(new Targets({ version: v, specVersion: '1.0.31', expires: expires(30), targets: Object.fromEntries(this.targets) })));
      this.metadata.set(`${v}.targets.json`, Buffer.from(JSON.stringify(targets.toJSON())));
    }
    const snapshot = this.signed(new Metadata(new Snapshot({ version: v, specVersion: '1.0.31', expires: expires(7), meta })));
    const snapshotBytes = Buffer.from(JSON.stringify(snapshot.toJSON()));
    const timestamp = this.signed(new Metadata(new Timestamp({
      version: v, specVersion: '1.0.31', expires: expires(1),
      snapshotMeta: new MetaFile({ version: v, length: snapshotBytes.length, hashes: { sha256: sha256(snapshotBytes) } }),
    })));
    this.metadata.set(`${v}.snapshot.json`, snapshotBytes);
    this.metadata.set('timestamp.json', Buffer.from(JSON.stringify(timestamp.toJSON())));
  }

  private signed<T extends Root | Targets | Snapshot | Timestamp>(metadata: Metadata<T>): Metadata<T> {
    metadata.sign((data) => new Signature({ keyID: this.keyID, sig: sign(null, data, this.privateKey).toString('hex') }));
    return metadata;
  }
}
