import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { tufRoles, type TufRoleName } from '@keelson/tuf';
import { isSealed, openKeyFile, sealKey, type SealingSecrets } from '@keelson/service-kit';

/** One private key of a fleet as the signer holds it: its role, its TUF key id and the PKCS#8 PEM. */
export interface StoredKey {
  role: TufRoleName;
  keyId: string;
  pem: string;
}

/** The private key of each role as PKCS#8 PEM (a fresh set, or the plaintext files of an older data directory). */
export type RoleKeyPems = Record<TufRoleName, string>;

const sealedName = /^(root|targets|snapshot|timestamp)-([0-9a-f]{64})\.key$/;
const fileOf = (key: { role: TufRoleName; keyId: string }) => `${key.role}-${key.keyId}.key`;
const legacyFileOf = (role: TufRoleName) => `${role}.key.pem`;
// The fleet and file name are authenticated with the ciphertext: a file moved elsewhere does not open.
const labelOf = (dir: string, file: string) => `signer key ${basename(dir)}/${file}`;

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** The variable the key files are sealed under (`KEELSON_SIGNER_KEY_SECRET_PREVIOUS` while it is rotated). */
export const keySecretName = 'KEELSON_SIGNER_KEY_SECRET';

/** A fleet's keys as read from disk, and how many of their files had to be re-sealed under the current secret. */
export interface ReadKeys {
  keys: StoredKey[];
  resealed: number;
}

/**
 * The sealed keys in `dir`, opened with the current secret; null when the fleet has no key directory
 * yet. During a rotation a file only the previous secret opens is re-sealed in place (temporary file
 * and rename: a crash leaves the old sealed file or the new one). Throws `SealedKeyRefused`, naming
 * the variables and never a value, when neither secret opens a file; files before it stay re-sealed.
 */
export async function readKeyFiles(dir: string, secrets: SealingSecrets): Promise<ReadKeys | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
  const read: ReadKeys = { keys: [], resealed: 0 };
  for (const name of names.sort()) {
    const m = sealedName.exec(name);
    if (!m) continue;
    const { pem, resealed } = await openKeyFile({ path: join(dir, name), label: labelOf(dir, name) }, secrets);
    read.keys.push({ role: m[1] as TufRoleName, keyId: m[2]!, pem });
    if (resealed) read.resealed++;
  }
  return read;
}

/** The plaintext `<role>.key.pem` files an older signer wrote, or null when there are none. */
export async function readLegacyKeyFiles(dir: string): Promise<Partial<RoleKeyPems> | null> {
  const found: Partial<RoleKeyPems> = {};
  for (const role of tufRoles) {
    try {
      const text = await readFile(join(dir, legacyFileOf(role)), 'utf8');
      if (!isSealed(text)) found[role] = text;
    } catch (err) {
      if (!missing(err)) throw err;
    }
  }
  return Object.keys(found).length ? found : null;
}

/** Deletes the plaintext files of `roles` once their sealed copies are in place. */
export async function removeLegacyKeyFiles(dir: string, roles: TufRoleName[]): Promise<void> {
  for (const role of roles) await rm(join(dir, legacyFileOf(role)), { force: true });
}

async function writeSealed(dir: string, target: string, key: StoredKey, secret: string): Promise<void> {
  const file = join(dir, target);
  await writeFile(file, await sealKey(key.pem, secret, labelOf(dir, fileOf(key))), { mode: 0o600 });
  await chmod(file, 0o600); // whatever the umask says: signing keys are for the signer only
}

/** Adds one sealed key to `dir` (written aside, renamed into place: a crash never leaves half a file). */
export async function addKeyFile(dir: string, key: StoredKey, secret: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `.tmp-${randomBytes(6).toString('hex')}`;
  await writeSealed(dir, tmp, key, secret);
  await rename(join(dir, tmp), join(dir, fileOf(key)));
}

/** Deletes a key for good: a retired online key, or a root key once the fleet's root is offline. */
export async function removeKeyFile(dir: string, key: { role: TufRoleName; keyId: string }): Promise<void> {
  await rm(join(dir, fileOf(key)), { force: true });
}

/**
 * Writes a fleet's first keys into `dir` unless keys are already there, and returns whichever keys
 * `dir` holds afterwards. The files go into a private temporary directory that is renamed into place
 * in one step, so a crash never leaves a partial key set and of two racing writers exactly one wins.
 */
export async function writeKeyFilesOnce(dir: string, keys: StoredKey[], secret: string): Promise<StoredKey[]> {
  const parent = join(dir, '..');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const tmp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { mode: 0o700 });
  try {
    // Sealed under the final directory's name, which is what the label binds.
    for (const key of keys) {
      const file = join(tmp, fileOf(key));
      await writeFile(file, await sealKey(key.pem, secret, labelOf(dir, fileOf(key))), { mode: 0o600 });
      await chmod(file, 0o600);
    }
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  const kept = (await readKeyFiles(dir, { name: keySecretName, current: secret }))?.keys;
  if (!kept || !tufRoles.every((role) => kept.some((k) => k.role === role))) throw new Error(`TUF keys in ${dir} are incomplete`);
  return kept;
}
