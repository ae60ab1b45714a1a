import { createHash } from 'node:crypto';
// The independent client's own crypto (WebCrypto + noble curves, its own canonical JSON): the
// library tuf-browser verifies with, a dependency of it. tuf-browser 0.1.8 does not follow targets
// delegations (it reads targets only from the top-level targets.json), so the delegated step
// (TUF spec 5.6.7, succinct hash bins: TAP 15) is done here with that crypto, not with tuf-js.
import { canonicalize, hexToUint8Array, importKey, stringToUint8Array, verifySignature } from '@freedomofpress/crypto-browser';
import type { FileBackend } from '@freedomofpress/tuf-browser';

interface SignedDocument {
  signed: Record<string, unknown> & { version: number; expires: string };
  signatures: { keyid: string; sig: string }[];
}

/** What the bin that signs a target says about it, once its signatures checked out. */
export interface BinVerdict {
  bin: string;
  version: number;
  target: { length: number; hashes: { sha256: string } } | undefined;
}

type Metafile = Parameters<FileBackend['write']>[1];

/**
 * tuf-browser's store of the metadata it verified, in memory. It downloads and checks a target only
 * as the top-level targets describes it; a target the bin step verified is `admit`ted here, so that
 * tuf-browser itself fetches its bytes and checks their length and hash against the bin's entry.
 */
export class VerifiedMetadata implements FileBackend {
  private readonly files = new Map<string, Metafile>();
  private readonly delegated: Record<string, Metafile['signed']['targets'][string]> = {};

  constructor(private readonly namespace: string) {}

  read(key: string): Promise<Metafile | undefined> {
    const doc = this.files.get(key);
    if (!doc || key !== `${this.namespace}/targets.json`) return Promise.resolve(doc);
    return Promise.resolve({ ...doc, signed: { ...doc.signed, targets: { ...doc.signed.targets, ...this.delegated } } });
  }
  write(key: string, value: Metafile): Promise<void> {
    this.files.set(key, value);
    return Promise.resolve();
  }
  writeRaw(key: string, value: Uint8Array): Promise<void> {
    return this.write(key, JSON.parse(Buffer.from(value).toString('utf8')) as Metafile);
  }
  delete(key: string): Promise<void> {
    this.files.delete(key);
    return Promise.resolve();
  }

  /** The snapshot and top-level targets tuf-browser verified (as it stored them, before any admission). */
  topLevel(): { snapshot: SignedDocument; top: SignedDocument } {
    const [snapshot, top] = (['snapshot', 'targets'] as const).map((role) => this.files.get(`${this.namespace}/${role}.json`));
    if (!snapshot || !top) throw new Error('tuf-browser has verified no snapshot and targets yet');
    return { snapshot: snapshot as unknown as SignedDocument, top: top as unknown as SignedDocument };
  }

  admit(path: string, verdict: BinVerdict): void {
    if (!verdict.target) throw new Error(`${verdict.bin} signs no ${path}`);
    this.delegated[path] = verdict.target as Metafile['signed']['targets'][string]; // sha256 only: tuf-browser checks the hashes given
  }
}

/** The bin of `path` (the leading `bitLength` bits of sha256(path), zero-padded hex), computed apart from @tufjs/models. */
export function binFor(path: string, namePrefix: string, bitLength: number): string {
  const index = createHash('sha256').update(path).digest().readUInt32BE(0) >>> (32 - bitLength);
  return `${namePrefix}-${index.toString(16).padStart(((1 << bitLength) - 1).toString(16).length, '0')}`;
}

/**
 * Follows the succinct delegation of a top-level targets (already verified by the independent
 * client) to the bin of `path`: fetches it at the version the snapshot names, checks the threshold of
 * signatures by the keys the delegation names, the version and the expiry, and returns its entry.
 */
export async function verifyTargetInBin(
  fetchJson: (file: string) => Promise<SignedDocument>,
  top: SignedDocument,
  snapshot: SignedDocument,
  path: string,
): Promise<BinVerdict> {
  const delegations = top.signed.delegations as {
    keys: Record<string, { keytype: string; scheme: string; keyval: { public: string } }>;
    succinct_roles: Record<string, unknown>;
  };
  const roles = delegations.succinct_roles as { keyids: string[]; threshold: number; bit_length: number; name_prefix: string };
  const bin = binFor(path, roles.name_prefix, roles.bit_length);
  const version = (snapshot.signed.meta as Record<string, { version: number }>)[`${bin}.json`]?.version;
  if (!version) throw new Error(`the snapshot lists no ${bin}.json`);
  const doc = await fetchJson(`${version}.${bin}.json`);
  const bytes = stringToUint8Array(canonicalize(doc.signed));
  let valid = 0;
  for (const keyid of roles.keyids) {
    const signature = doc.signatures.find((s) => s.keyid === keyid);
    const key = delegations.keys[keyid];
    if (!signature || !key) continue;
    if (await verifySignature(await importKey(key.keytype, key.scheme, key.keyval.public), bytes, hexToUint8Array(signature.sig))) valid++;
  }
  if (valid < roles.threshold) throw new Error(`${bin} was signed by ${valid}/${roles.threshold} keys`);
  if (doc.signed.version !== version) throw new Error(`${bin} is version ${doc.signed.version}, the snapshot names ${version}`);
  if (Date.parse(doc.signed.expires) <= Date.now()) throw new Error(`${bin} is expired`);
  return { bin, version, target: (doc.signed.targets as Record<string, BinVerdict['target']>)[path] };
}
