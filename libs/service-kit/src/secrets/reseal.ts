import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { openKey, sealKey, SealedKeyRefused } from './sealed-key.js';
import type { SealingSecrets } from './sealing-secrets.js';

/** One sealed key file and the label it was sealed with. */
export interface SealedKeyFile {
  path: string;
  label: string;
}

/** A key file's content, opened, and whether it had to be re-sealed under the current secret. */
export interface OpenedKeyFile {
  pem: string;
  resealed: boolean;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path); // a crash leaves the old file or the new one, never half of either
}

/**
 * Opens a sealed key file with the current secret. During a rotation, a file only the previous
 * secret opens is opened with it and re-sealed under the current one in place, so the key is kept
 * and the previous secret is needed no more for it. Throws `SealedKeyRefused` when neither opens it.
 */
export async function openKeyFile(file: SealedKeyFile, secrets: SealingSecrets): Promise<OpenedKeyFile> {
  const text = await readFile(file.path, 'utf8');
  try {
    return { pem: await openKey(text, secrets.current, file.label, secrets.name), resealed: false };
  } catch (err) {
    if (!(err instanceof SealedKeyRefused) || secrets.previous === undefined) throw err;
  }
  let pem: string;
  try {
    pem = await openKey(text, secrets.previous, file.label, `${secrets.name}_PREVIOUS`);
  } catch (err) {
    if (!(err instanceof SealedKeyRefused)) throw err;
    throw new SealedKeyRefused(
      `neither ${secrets.name} nor ${secrets.name}_PREVIOUS opens ${file.label}: a secret is wrong or the file was altered`,
    );
  }
  await writeAtomically(file.path, await sealKey(pem, secrets.current, file.label));
  return { pem, resealed: true };
}

/**
 * Brings every file under the current secret (see `openKeyFile`) and returns how many were
 * re-sealed. Stops at the first file neither secret opens; files done before it stay re-sealed,
 * and running it again carries on, since a re-sealed file opens with the current secret.
 */
export async function resealKeyFiles(files: SealedKeyFile[], secrets: SealingSecrets): Promise<number> {
  let resealed = 0;
  for (const file of files) if ((await openKeyFile(file, secrets)).resealed) resealed++;
  return resealed;
}
