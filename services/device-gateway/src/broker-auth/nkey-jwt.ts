import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const pkcs8Ed25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiEd25519 = Buffer.from('302a300506032b6570032100', 'hex');
const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' })).toString('base64url');

function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error('not an nkey: bad base32');
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// nkeys: a public key is base32(prefix byte, 32-byte ed25519 key, crc16); a seed has two prefix bytes.
function publicKeyObject(nkey: string): KeyObject {
  const raw = base32Decode(nkey);
  if (raw.length !== 35) throw new Error('not a public nkey');
  return createPublicKey({ key: Buffer.concat([spkiEd25519, raw.subarray(1, 33)]), format: 'der', type: 'spki' });
}

/**
 * Signs NATS JWTs with an nkey seed through node:crypto. The stock nkeys library re-derives the
 * key on every signature (~50 ms); a cached KeyObject signs in well under a millisecond, which is
 * what lets a fleet reconnect at once.
 */
export class NkeyJwtSigner {
  private readonly key: KeyObject;

  constructor(
    seed: string,
    /** The seed's public key (`A...` for an account), the `iss` of everything signed here. */
    readonly publicKey: string,
  ) {
    const raw = base32Decode(seed);
    if (raw.length !== 36 || !seed.startsWith('S')) throw new Error('not an nkey seed');
    this.key = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519, raw.subarray(2, 34)]), format: 'der', type: 'pkcs8' });
    if (!verify(null, Buffer.from('probe'), publicKeyObject(publicKey), sign(null, Buffer.from('probe'), this.key))) {
      throw new Error('the nkey seed does not belong to the given public key');
    }
  }

  /** Encodes and signs `claims`, adding `iss`, `iat` and a fresh `jti`. */
  sign(claims: Record<string, unknown>, now: Date): string {
    const body = {
      jti: randomBytes(16).toString('hex').toUpperCase(),
      iat: Math.floor(now.getTime() / 1000),
      iss: this.publicKey,
      ...claims,
    };
    const signingInput = `${header}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
    return `${signingInput}.${sign(null, Buffer.from(signingInput), this.key).toString('base64url')}`;
  }
}

/** The claims of a JWT whose signature verifies against its own `iss` nkey; throws otherwise. */
export function decodeSignedJwt(jwt: string): Record<string, unknown> & { iss: string } {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error('not a JWT');
  const [h, p, s] = parts as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (typeof claims.iss !== 'string') throw new Error('JWT without an issuer');
  if (!verify(null, Buffer.from(`${h}.${p}`), publicKeyObject(claims.iss), Buffer.from(s, 'base64url')))
    throw new Error('JWT signature does not verify');
  return claims as Record<string, unknown> & { iss: string };
}
