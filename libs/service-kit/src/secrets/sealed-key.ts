import { createCipheriv, createDecipheriv, randomBytes, scrypt, type BinaryLike, type ScryptOptions } from 'node:crypto';

/**
 * A private key as a service keeps it on disk (the signer's TUF keys, the gateway's device CA keys):
 * AES-256-GCM under a key derived with scrypt from a secret of the service's configuration and a
 * salt of its own. The label (e.g. fleet and file name) is bound in as additional authenticated data,
 * so a sealed file copied to another fleet or role does not open.
 */
export interface SealedKey {
  format: 'keelson-sealed-key';
  v: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  iv: string;
  tag: string;
  ciphertext: string;
}

/** The secret does not open a sealed key: wrong secret, or a file altered since it was sealed. */
export class SealedKeyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

// scrypt as recommended for interactive use (N=2^15, r=8): ~32 MiB and tens of ms per key, paid at load only.
const params = { N: 2 ** 15, r: 8, p: 1 } as const;
const maxmem = 64 * 1024 * 1024;

function derive(secret: string, salt: Buffer, kdf: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem };
  return new Promise((resolve, reject) =>
    scrypt(secret as BinaryLike, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Seals `plaintext` (a PEM) under `secret`, bound to `label`. */
export async function sealKey(plaintext: string, secret: string, label: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await derive(secret, salt, params), iv);
  cipher.setAAD(Buffer.from(label));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const sealed: SealedKey = {
    format: 'keelson-sealed-key',
    v: 1,
    kdf: { name: 'scrypt', ...params, salt: salt.toString('base64') },
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
  return `${JSON.stringify(sealed)}\n`;
}

/**
 * Opens a sealed key; throws `SealedKeyRefused` when the secret or label does not match. `secretName`
 * (the variable the secret comes from) only goes into the error message — never the secret itself.
 */
export async function openKey(text: string, secret: string, label: string, secretName: string): Promise<string> {
  let sealed: SealedKey;
  try {
    sealed = JSON.parse(text) as SealedKey;
  } catch {
    throw new SealedKeyRefused(`${label} is not a sealed key file`);
  }
  if (sealed.format !== 'keelson-sealed-key' || sealed.v !== 1 || sealed.kdf?.name !== 'scrypt') {
    throw new SealedKeyRefused(`${label} is not a sealed key file this version reads`);
  }
  const key = await derive(secret, Buffer.from(sealed.kdf.salt, 'base64'), sealed.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(label));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedKeyRefused(`${secretName} does not open ${label}: the secret is wrong or the file was altered`);
  }
}

/** True when `text` looks like a sealed key rather than a plaintext PEM from an older data directory. */
export function isSealed(text: string): boolean {
  return text.trimStart().startsWith('{');
}
