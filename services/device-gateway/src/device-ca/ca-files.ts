import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The PEM files of one fleet's CA as kept on disk. */
export interface CaFiles {
  keyPem: string;
  certPem: string;
}

const keyFile = 'ca.key.pem';
const certFile = 'ca.cert.pem';

/** Reads `<dir>/ca.key.pem` and `<dir>/ca.cert.pem`, or null when the fleet has no CA yet. */
export async function readCaFiles(dir: string): Promise<CaFiles | null> {
  try {
    const [keyPem, certPem] = await Promise.all([readFile(join(dir, keyFile), 'utf8'), readFile(join(dir, certFile), 'utf8')]);
    return { keyPem, certPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Writes a new CA into `dir` unless one is already there, and returns whichever CA `dir` holds
 * afterwards. Both files are written into a private temporary directory that is renamed into
 * place, so a crash never leaves a key without its certificate and two writers cannot both win.
 */
export async function writeCaFilesOnce(dir: string, files: CaFiles): Promise<CaFiles> {
  const parent = join(dir, '..');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const tmp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { mode: 0o700 });
  try {
    await writeFile(join(tmp, keyFile), files.keyPem, { mode: 0o600 });
    await chmod(join(tmp, keyFile), 0o600); // whatever the umask says: the CA key is for the gateway only
    await writeFile(join(tmp, certFile), files.certPem, { mode: 0o644 });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  const kept = await readCaFiles(dir);
  if (!kept) throw new Error(`device CA in ${dir} is incomplete`);
  return kept;
}
