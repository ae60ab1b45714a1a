import { createPrivateKey, generateKeyPair, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { syncDir, writeFileAtomic } from '../data-dir/atomic-file.js';
import { identityReplaced } from '../data-dir/identity-version.js';
import type { DataDirLayout } from '../data-dir/layout.js';

/**
 * A renewal in progress, kept beside the live identity (`identity/renewal/`) so that a crash at any
 * step leaves a device that can still reach the platform and renew:
 * 1. the next key is written aside (`device.key`) before the request; the live pair is untouched,
 *    so until the gateway answers, the current key and certificate go on working and renewing;
 * 2. the gateway's certificate is written aside (`device.crt`) the moment it arrives: from then on
 *    the renewal is decided, and
 * 3. the key, then the certificate, are renamed over the live ones. A crash between the renames
 *    leaves the new key live and the new certificate aside; `completePendingRenewal` (at every start
 *    and before every renewal) finishes the swap, so a mismatched pair never outlives a restart.
 */
export const pendingKeyPath = (layout: DataDirLayout): string => join(layout.renewalDir, 'device.key');
export const pendingCertificatePath = (layout: DataDirLayout): string => join(layout.renewalDir, 'device.crt');

const readIfThere = (path: string): Promise<string | undefined> =>
  readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });

/** True when `certificatePem` certifies the private key `keyPem`. */
export function certifiesKey(certificatePem: string, keyPem: string): boolean {
  return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(keyPem));
}

/**
 * The key a rotating renewal certifies: the one an interrupted attempt left aside (so a retry asks
 * for the same key), else a fresh ECDSA P-256 key, written aside (0600) before it is ever sent for.
 */
export async function nextKey(layout: DataDirLayout): Promise<string> {
  const left = await readIfThere(pendingKeyPath(layout));
  if (left) return left;
  const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await mkdir(layout.renewalDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(pendingKeyPath(layout), pem, 0o600);
  return pem;
}

/** Step 2: the gateway answered; its certificate is kept aside before anything live changes. */
export async function storePendingCertificate(layout: DataDirLayout, certificatePem: string): Promise<void> {
  await mkdir(layout.renewalDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(pendingCertificatePath(layout), certificatePem);
}

/**
 * Step 3, also the recovery after a crash: swaps in a certificate left aside, with its key if that
 * is still aside too. A certificate that certifies neither the key aside nor the live key, or that is
 * not newer than the live one (the device enrolled again meanwhile), is thrown away. Returns whether
 * a renewal was swapped in.
 */
export async function completePendingRenewal(layout: DataDirLayout): Promise<boolean> {
  const certificate = await readIfThere(pendingCertificatePath(layout));
  if (!certificate) return false;
  const [pendingKey, liveKey, liveCertificate] = await Promise.all([
    readIfThere(pendingKeyPath(layout)),
    readIfThere(layout.deviceKey),
    readIfThere(layout.deviceCertificate),
  ]);
  const newer = !liveCertificate || new X509Certificate(certificate).validFromDate >= new X509Certificate(liveCertificate).validFromDate;
  const keyAside = pendingKey !== undefined && certifiesKey(certificate, pendingKey);
  if (!newer || (!keyAside && !(liveKey && certifiesKey(certificate, liveKey)))) {
    await rm(layout.renewalDir, { recursive: true, force: true });
    return false;
  }
  identityReplaced(layout); // a pair kept in memory is read again from here on (device-tls-identity.ts)
  try {
    if (keyAside) await rename(pendingKeyPath(layout), layout.deviceKey);
    await rename(pendingCertificatePath(layout), layout.deviceCertificate);
  } finally {
    identityReplaced(layout); // and a pair read during the renames is not kept
  }
  await syncDir(layout.identityDir);
  await rm(layout.renewalDir, { recursive: true, force: true });
  return true;
}
