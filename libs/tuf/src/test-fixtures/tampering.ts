import { Root, TargetFile, Targets } from '@tufjs/models';
import { specVersion } from '../index.js';
import type { KeyedRepository } from './keyed-repository.js';
import { blobName } from './served-repository.js';
import { servedBytes, sha256, signedBy, type SigningKey } from './signing-keys.js';

/** Flips the first byte of every stored copy of `targetPath`, as a compromised blob store would. */
export function tamperTarget(repo: KeyedRepository, targetPath: string): void {
  const slash = targetPath.lastIndexOf('/');
  const [dir, base] = [targetPath.slice(0, slash), targetPath.slice(slash + 1)];
  for (const [name, blob] of repo.blobs) {
    if (name.startsWith(`${dir}/`) && name.endsWith(`.${base}`)) blob[0] = blob[0]! ^ 0xff;
  }
}

/**
 * What holding only a targets key buys an attacker: the current (flat) targets version re-signed by
 * `signers` with `targetPath` pointing at `bytes`, served in place of the real one.
 */
export function forgeTargets(repo: KeyedRepository, signers: SigningKey[], targetPath: string, bytes: Buffer): void {
  const current = repo.topTargets;
  repo.blobs.set(blobName(targetPath, sha256(bytes)), Buffer.from(bytes));
  const evil = new TargetFile({ path: targetPath, length: bytes.length, hashes: { sha256: sha256(bytes) } });
  const targets = { ...current.targets, [targetPath]: evil };
  const forged = new Targets({ version: current.version, specVersion, expires: current.expires, targets });
  repo.metadata.set(`${forged.version}.targets.json`, servedBytes(signedBy(forged, signers)));
}

/**
 * The root after `current` (signed root JSON), handing the timestamp role to `timestampKey`, signed
 * by `signers` only: what an attacker without the root keys (or without enough of them) can make.
 */
export function forgeNextRoot(current: Buffer, signers: SigningKey[], timestampKey: SigningKey): Buffer {
  const body = (JSON.parse(current.toString('utf8')) as { signed: { version: number; keys: object; roles: object } }).signed;
  const next = Root.fromJSON({
    ...body,
    version: body.version + 1,
    keys: { ...body.keys, [timestampKey.key.keyID]: timestampKey.key.toJSON() },
    roles: { ...body.roles, timestamp: { keyids: [timestampKey.key.keyID], threshold: 1 } },
  });
  return servedBytes(signedBy(next, signers));
}

/*
 * What a man in the middle does to metadata on the wire. Each change keeps the document valid JSON
 * with a plausible value, so only the signature (or a version rule) can tell it apart.
 */

/** Pushes the signed `expires` a thousand years out: one byte of the signed part changed (2 -> 3). */
export function flipSignedByte(body: Buffer): Buffer {
  const at = body.indexOf('"expires":"');
  if (at < 0) throw new Error('no expires field to tamper with');
  const year = at + '"expires":"'.length;
  const out = Buffer.from(body);
  out[year] = out[year] === 0x33 ? 0x34 : 0x33;
  return out;
}

/** Points the first target at other bytes: one hex digit of its sha256 changed. */
export function flipTargetHash(body: Buffer): Buffer {
  const at = body.indexOf('"sha256":"');
  if (at < 0) throw new Error('no sha256 to tamper with');
  const digit = at + '"sha256":"'.length;
  const out = Buffer.from(body);
  out[digit] = out[digit] === 0x30 ? 0x31 : 0x30;
  return out;
}

/** The `signed.version` of a metadata document. */
export function versionOf(body: Buffer): number {
  return (JSON.parse(body.toString('utf8')) as { signed: { version: number } }).signed.version;
}
