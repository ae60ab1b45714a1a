import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, MetadataKind, Root, Signature, type Key } from '@tufjs/models';
import { ed25519Key } from './keys.js';
import { rootWithRoleKeys } from './root-drafts.js';

const onlineRoles = ['targets', 'snapshot', 'timestamp'] as const;

/** What the node exports for a ceremony: the signed root in force and the online public keys it holds. */
export interface CeremonyInput {
  root: Record<string, unknown>;
  keys: { role: (typeof onlineRoles)[number]; keyId: string; key: { keyval: { public: string } }; inRoot: boolean }[];
}

/** The TUF key of a PKCS#8 ed25519 private key (the raw public key is the last 32 bytes of its SPKI DER). */
export function ed25519KeyOfPrivatePem(pem: string): Key {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('root keys are ed25519');
  return ed25519Key(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12).toString('hex'));
}

/**
 * The next root for an offline ceremony: version + 1 of the root in force, trusting `rootKeys`
 * (threshold `threshold`) for root, and for each online role the keys the root in force names or,
 * with `rotateOnlineKeys`, the keys the node made since and that no root names yet.
 */
export function draftRoot(input: CeremonyInput, rootKeys: Key[], threshold: number, expires: string, rotateOnlineKeys = false): Root {
  const base = Metadata.fromJSON(MetadataKind.Root, input.root as never).signed;
  const trust: Parameters<typeof rootWithRoleKeys>[1] = { root: { keys: rootKeys, threshold } };
  for (const role of onlineRoles) {
    const held = input.keys.filter((k) => k.role === role);
    const pending = held.filter((k) => !k.inRoot);
    const chosen = rotateOnlineKeys && pending.length ? pending : held.filter((k) => k.inRoot);
    if (chosen.length === 0) throw new Error(`the exported keys name no ${role} key the root in force trusts`);
    const keys = chosen.map((k) => {
      const key = ed25519Key(k.key.keyval.public);
      if (key.keyID !== k.keyId) throw new Error(`the exported ${role} key ${k.keyId} does not match its public key`);
      return key;
    });
    trust[role] = { keys, threshold: 1 };
  }
  if (rotateOnlineKeys && !input.keys.some((k) => !k.inRoot)) {
    throw new Error('no online key is waiting for a root: run `keelson tuf keys rotate` first, then export the keys again');
  }
  return rootWithRoleKeys(base, trust, base.version + 1, expires);
}

/** An unsigned root document: the form `root init` writes and `root sign` adds signatures to. */
export function rootDocument(root: Root): Record<string, unknown> {
  return new Metadata(root).toJSON() as Record<string, unknown>;
}

/** Adds the signature of `privateKeyPem` to a root document (over the canonical JSON of `signed`). */
export function signRootDocument(document: Record<string, unknown>, privateKeyPem: string): Record<string, unknown> {
  const metadata = Metadata.fromJSON(MetadataKind.Root, document as never);
  const key = ed25519KeyOfPrivatePem(privateKeyPem);
  const sig = sign(null, Buffer.from(canonicalize(metadata.signed.toJSON())), createPrivateKey(privateKeyPem)).toString('hex');
  metadata.signatures[key.keyID] = new Signature({ keyID: key.keyID, sig });
  return metadata.toJSON() as Record<string, unknown>;
}
