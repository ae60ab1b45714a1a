import { createHash } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Key } from '@tufjs/models';

/**
 * The TUF key of an ed25519 public key given as 64 hex characters (the raw 32 bytes), with its key
 * id: the sha256 of the key's canonical JSON (TUF spec 4.2, "KEYID"), which tuf-js and python-tuf
 * both accept.
 */
export function ed25519Key(publicKeyHex: string): Key {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex)) throw new Error('an ed25519 public key is 32 bytes as lowercase hex');
  const keyVal = { public: publicKeyHex };
  const keyID = createHash('sha256')
    .update(canonicalize({ keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal }))
    .digest('hex');
  return new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal });
}
