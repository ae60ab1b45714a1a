import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';

/**
 * A fleet's device CA key as kept on disk: AES-256-GCM under a key derived with scrypt from
 * `KEELSON_DEVICE_CA_KEY_SECRET` and a salt of its own. The label (`device-ca/<fleet>`) is bound in as
 * additional authenticated data, so a sealed key copied into another fleet's directory does not open.
 * Same envelope as the signer's sealed keys, so one runbook covers both.
 */
interface SealedKey {
  format: 'keelson-sealed-key';
  v: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  iv: string;
  tag: string;
  ciphertext: string;
}

/** The secret does not open the sealed CA key: wrong secret, or a file altered since it was sealed. */
export class SealedCaKeyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

// scrypt for interactive use (N=2^15, r=8): ~32 MiB and tens of ms, paid once per fleet at load.
const params = { N: 2 ** 15, r: 8, p: 1 } as const;
const maxmem = 64 * 1024 * 1024;

function derive(secret: string, salt: Buffer, kdf: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem };
  return new Promise((resolve, reject) => scrypt(secret, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Seals a PEM private key under `secret`, bound to `label`. */
export async function sealCaKey(pem: string, secret: string, label: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12); // GCM: 96-bit IV, fresh for every seal (a new salt makes a new key anyway)
  const cipher = createCipheriv('aes-256-gcm', await derive(secret, salt, params), iv);
  cipher.setAAD(Buffer.from(label));
  const ciphertext = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  const sealed: SealedKey = {
    format: 'keelson-sealed-key', v: 1,
    kdf: { name: 'scrypt', ...params, salt: salt.toString('base64') },
    iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64'),
  };
  return `${JSON.stringify(sealed)}\n`;
}

/** Opens a sealed CA key; `SealedCaKeyRefused` when the secret or label does not match. */
export async function openCaKey(text: string, secret: string, label: string): Promise<string> {
  let sealed: SealedKey;
  try {
    sealed = JSON.parse(text) as SealedKey;
  } catch {
    throw new SealedCaKeyRefused(`${label}: not a sealed key file`);
  }
  if (sealed.format !== 'keelson-sealed-key' || sealed.v !== 1 || sealed.kdf?.name !== 'scrypt') throw new SealedCaKeyRefused(`${label}: not a sealed key file this gateway reads`);
  const key = await derive(secret, Buffer.from(sealed.kdf.salt, 'base64'), sealed.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(label));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedCaKeyRefused(`KEELSON_DEVICE_CA_KEY_SECRET does not open the CA key of ${label}: the secret is wrong or the file was altered`);
  }
}
