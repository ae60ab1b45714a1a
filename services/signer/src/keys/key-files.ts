import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tufRoles, type TufRoleName } from '@keelson/tuf';

/** The private key of each role as PKCS#8 PEM, as kept on disk. */
export type RoleKeyPems = Record<TufRoleName, string>;

const fileOf = (role: TufRoleName) => `${role}.key.pem`;

/** Reads `<dir>/<role>.key.pem` for the four roles, or null when the fleet has no keys yet. */
export async function readKeyFiles(dir: string): Promise<RoleKeyPems | null> {
  try {
    const pems = await Promise.all(tufRoles.map((role) => readFile(join(dir, fileOf(role)), 'utf8')));
    return Object.fromEntries(tufRoles.map((role, i) => [role, pems[i]!])) as RoleKeyPems;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Writes the keys into `dir` unless keys are already there, and returns whichever keys `dir` holds
 * afterwards. The files are written into a private temporary directory that is renamed into place
 * in one step, so a crash never leaves a partial key set and of two racing writers exactly one wins
 * (the same pattern as the gateway's device CA).
 */
export async function writeKeyFilesOnce(dir: string, pems: RoleKeyPems): Promise<RoleKeyPems> {
  const parent = join(dir, '..');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const tmp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { mode: 0o700 });
  try {
    for (const role of tufRoles) {
      await writeFile(join(tmp, fileOf(role)), pems[role], { mode: 0o600 });
      await chmod(join(tmp, fileOf(role)), 0o600); // whatever the umask says: signing keys are for the signer only
    }
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  const kept = await readKeyFiles(dir);
  if (!kept) throw new Error(`TUF keys in ${dir} are incomplete`);
  return kept;
}
