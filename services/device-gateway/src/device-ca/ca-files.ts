import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openKeyFile, sealKey, type SealedKeyFile, type SealingSecrets } from '@keelson/service-kit';

/** The PEM files of one fleet's CA, the key as the gateway uses it (opened). */
export interface CaFiles {
  keyPem: string;
  certPem: string;
}

/** How CA keys are protected on disk: sealed with the secret, or (no secret: development only) plaintext. */
export interface CaKeyProtection {
  /** `KEELSON_DEVICE_CA_KEY_SECRET`. */
  secret?: string | undefined;
  /** `KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS`, during a rotation: a key only it opens is re-sealed under `secret`. */
  previousSecret?: string | undefined;
}

const secretsOf = (protection: CaKeyProtection & { secret: string }): SealingSecrets => ({
  name: 'KEELSON_DEVICE_CA_KEY_SECRET',
  current: protection.secret,
  previous: protection.previousSecret,
});

/** Plaintext PKCS#8 PEM: what a gateway without a secret (or before this version) writes. */
const plainKeyFile = 'ca.key.pem';
/** The key sealed with AES-256-GCM (libs/service-kit sealed-key.ts). */
const sealedKeyFile = 'ca.key.sealed';
const certFile = 'ca.cert.pem';

const labelOf = (dir: string) => `device-ca/${basename(dir)}`;

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600); // whatever the umask says: the CA key is for the gateway only
}

/**
 * Reads the fleet's CA from `dir`, or null when it has none yet. A plaintext key left by an older
 * gateway is sealed as soon as a secret is configured: the sealed file is written beside it and
 * renamed into place before the plaintext is deleted, so a crash leaves one readable key or both.
 */
export async function readCaFiles(dir: string, protection: CaKeyProtection = {}): Promise<CaFiles | null> {
  const certPem = await readOptional(join(dir, certFile));
  if (certPem === null) return null;
  const sealed = await readOptional(join(dir, sealedKeyFile));
  if (sealed !== null) {
    if (!protection.secret) throw new Error(`the device CA key of ${labelOf(dir)} is sealed: KEELSON_DEVICE_CA_KEY_SECRET is required`);
    const opened = await openKeyFile(
      { path: join(dir, sealedKeyFile), label: labelOf(dir) },
      secretsOf({ ...protection, secret: protection.secret }),
    );
    return { keyPem: opened.pem, certPem };
  }
  const keyPem = await readOptional(join(dir, plainKeyFile));
  if (keyPem === null) throw new Error(`device CA in ${dir} is incomplete`);
  if (protection.secret) await migrateToSealed(dir, keyPem, protection.secret);
  return { keyPem, certPem };
}

/** The sealed CA key of every fleet under `caDir` (`<caDir>/<fleet>/ca.key.sealed`), with the label each was sealed with. */
export async function sealedCaKeyFiles(caDir: string): Promise<SealedKeyFile[]> {
  let fleets: string[];
  try {
    fleets = (await readdir(caDir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: SealedKeyFile[] = [];
  for (const fleet of fleets.sort()) {
    const dir = join(caDir, fleet);
    if ((await readOptional(join(dir, sealedKeyFile))) !== null) files.push({ path: join(dir, sealedKeyFile), label: labelOf(dir) });
  }
  return files;
}

async function migrateToSealed(dir: string, keyPem: string, secret: string): Promise<void> {
  const tmp = join(dir, `.${sealedKeyFile}.${randomBytes(6).toString('hex')}`);
  await writePrivate(tmp, await sealKey(keyPem, secret, labelOf(dir)));
  await rename(tmp, join(dir, sealedKeyFile));
  await unlink(join(dir, plainKeyFile)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err; // another replica migrated it at the same moment
  });
}

/**
 * Writes a new CA into `dir` unless one is already there, and returns whichever CA `dir` holds
 * afterwards. Both files are written into a private temporary directory that is renamed into
 * place, so a crash never leaves a key without its certificate and two writers cannot both win.
 */
export async function writeCaFilesOnce(dir: string, files: CaFiles, protection: CaKeyProtection = {}): Promise<CaFiles> {
  const parent = join(dir, '..');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const tmp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { mode: 0o700 });
  try {
    if (protection.secret) await writePrivate(join(tmp, sealedKeyFile), await sealKey(files.keyPem, protection.secret, labelOf(dir)));
    else await writePrivate(join(tmp, plainKeyFile), files.keyPem);
    await writeFile(join(tmp, certFile), files.certPem, { mode: 0o644 });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  const kept = await readCaFiles(dir, protection);
  if (!kept) throw new Error(`device CA in ${dir} is incomplete`);
  return kept;
}
