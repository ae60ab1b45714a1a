import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Metadata, Root, Signature, Snapshot, TargetFile, Targets, Timestamp, type Key } from '@tufjs/models';
import { ed25519Key, expiresAt, nextSnapshot, nextTimestamp, specVersion, tufRoles, type TufRoleName } from '../index.js';

/** An ed25519 key pair as a TUF key (our key id rule, from `@keelson/tuf`) with its private half. */
export interface SigningKey {
  key: Key;
  privateKey: KeyObject;
}

export function newSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { key: ed25519Key(publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex')), privateKey };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const json = (metadata: Metadata<Root | Targets | Snapshot | Timestamp>) => Buffer.from(JSON.stringify(metadata.toJSON()));
const day = 86_400;

function signed<T extends Root | Targets | Snapshot | Timestamp>(body: T, keys: SigningKey[]): Metadata<T> {
  const metadata = new Metadata(body);
  for (const k of keys) metadata.sign((data) => new Signature({ keyID: k.key.keyID, sig: sign(null, data, k.privateKey).toString('hex') }), true);
  return metadata;
}

/**
 * A fleet repository laid out as the facade serves it (`<N>.root.json`, `timestamp.json`,
 * `<N>.snapshot.json`, `<N>.targets.json`, targets as `<dir>/<sha256>.<basename>`), but with a key
 * set an attack spec controls: two root keys with threshold 2 (the production ceremony's shape)
 * and one key per other role, which the spec can rotate, revoke, or use to sign what it likes.
 */
export class KeyedRepository {
  readonly metadata = new Map<string, Buffer>();
  readonly blobs = new Map<string, Buffer>();
  readonly keys: Record<TufRoleName, SigningKey[]>;
  private root: Root;
  private targets: Targets;
  private snapshot: Snapshot | null = null;
  private timestamp: Timestamp | null = null;

  constructor() {
    this.keys = { root: [newSigningKey(), newSigningKey()], targets: [newSigningKey()], snapshot: [newSigningKey()], timestamp: [newSigningKey()] };
    this.root = this.rootWith(1, this.keys);
    this.metadata.set('1.root.json', json(signed(this.root, this.keys.root)));
    this.targets = new Targets({ version: 1, specVersion, expires: expiresAt(new Date(), 90 * day) });
    this.storeTargets(this.keys.targets);
  }

  /** The version-1 root as enrollment pins it on a device. */
  get pinnedRoot(): Buffer {
    return this.metadata.get('1.root.json')!;
  }

  get versions(): { root: number; targets: number; snapshot: number; timestamp: number } {
    return { root: this.root.version, targets: this.targets.version, snapshot: this.snapshot!.version, timestamp: this.timestamp!.version };
  }

  /** Adds a target and signs new targets, snapshot and timestamp with the current keys. */
  publish(targetPath: string, bytes: Buffer): { targetPath: string; sha256: string; length: number } {
    this.blobs.set(blobName(targetPath, sha256(bytes)), Buffer.from(bytes));
    const targets = { ...this.targets.targets, [targetPath]: new TargetFile({ path: targetPath, length: bytes.length, hashes: { sha256: sha256(bytes) } }) };
    this.targets = new Targets({ version: this.targets.version + 1, specVersion, expires: expiresAt(new Date(), 90 * day), targets });
    this.storeTargets(this.keys.targets);
    return { targetPath, sha256: sha256(bytes), length: bytes.length };
  }

  /** A new timestamp only (same snapshot), valid for `seconds` from now: negative makes it born expired. */
  renewTimestamp(seconds: number): void {
    this.timestamp = nextTimestamp(this.timestamp, this.snapshot!.version, new Date(), seconds);
    this.metadata.set('timestamp.json', json(signed(this.timestamp, this.keys.timestamp)));
  }

  /**
   * The next root with `role`'s keys replaced by `replacement` (the old ones revoked), signed by
   * `signers` (default: every current root key, which with threshold 2 is exactly enough). The
   * repository only switches to the new keys when the root is properly signed.
   */
  rotate(role: TufRoleName, replacement: SigningKey[], signers: SigningKey[] = this.keys.root): Buffer {
    const keys = { ...this.keys, [role]: replacement };
    const next = this.rootWith(this.root.version + 1, keys);
    const bytes = json(signed(next, role === 'root' ? [...signers, ...replacement] : signers));
    this.metadata.set(`${next.version}.root.json`, bytes);
    if (signers.filter((s) => this.keys.root.includes(s)).length >= 2) {
      Object.assign(this.keys, keys);
      this.root = next;
    }
    return bytes;
  }

  /**
   * What holding only a targets key buys an attacker: the current targets version re-signed by
   * `signers` with `targetPath` pointing at `bytes`, served in place of the real one.
   */
  forgeTargets(signers: SigningKey[], targetPath: string, bytes: Buffer): void {
    this.blobs.set(blobName(targetPath, sha256(bytes)), Buffer.from(bytes));
    const targets = { ...this.targets.targets, [targetPath]: new TargetFile({ path: targetPath, length: bytes.length, hashes: { sha256: sha256(bytes) } }) };
    const forged = new Targets({ version: this.targets.version, specVersion, expires: this.targets.expires, targets });
    this.metadata.set(`${forged.version}.targets.json`, json(signed(forged, signers)));
  }

  private rootWith(version: number, keys: Record<TufRoleName, SigningKey[]>): Root {
    // @tufjs/models does not export Role: a threshold other than 1 goes in through the JSON form.
    return Root.fromJSON({
      _type: 'root', spec_version: specVersion, version, expires: expiresAt(new Date(), 365 * day), consistent_snapshot: true,
      keys: Object.fromEntries(tufRoles.flatMap((role) => keys[role].map((k) => [k.key.keyID, k.key.toJSON()]))),
      roles: Object.fromEntries(tufRoles.map((role) => [role, { keyids: keys[role].map((k) => k.key.keyID), threshold: role === 'root' ? 2 : 1 }])),
    });
  }

  private storeTargets(signers: SigningKey[]): void {
    this.metadata.set(`${this.targets.version}.targets.json`, json(signed(this.targets, signers)));
    this.snapshot = nextSnapshot(this.snapshot, this.targets.version, new Date(), 7 * day);
    this.metadata.set(`${this.snapshot.version}.snapshot.json`, json(signed(this.snapshot, this.keys.snapshot)));
    this.renewTimestamp(day);
  }
}

/**
 * The root after `current` (signed root JSON), handing the timestamp role to `timestampKey`, signed
 * by `signers` only: what an attacker without the root keys (or without enough of them) can make.
 */
export function forgeNextRoot(current: Buffer, signers: SigningKey[], timestampKey: SigningKey): Buffer {
  const body = (JSON.parse(current.toString('utf8')) as { signed: { version: number; keys: object; roles: object } }).signed;
  const next = Root.fromJSON({
    ...body, version: body.version + 1,
    keys: { ...body.keys, [timestampKey.key.keyID]: timestampKey.key.toJSON() },
    roles: { ...body.roles, timestamp: { keyids: [timestampKey.key.keyID], threshold: 1 } },
  });
  return json(signed(next, signers));
}

/** `<dir>/<sha256>.<basename>`: where a consistent-snapshot client asks for a target. */
export function blobName(targetPath: string, digest: string): string {
  const slash = targetPath.lastIndexOf('/');
  return `${targetPath.slice(0, slash)}/${digest}.${targetPath.slice(slash + 1)}`;
}
