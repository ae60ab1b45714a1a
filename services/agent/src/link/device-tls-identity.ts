import { readFile } from 'node:fs/promises';
import { identityVersion } from '../data-dir/identity-version.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { certifiesKey } from '../renewal/pending-renewal.js';

export interface TlsIdentity {
  cert: string;
  key: string;
}

const matches = (pair: TlsIdentity): boolean => {
  try {
    return certifiesKey(pair.cert, pair.key);
  } catch {
    return true; // unreadable PEM: the TLS handshake reports it
  }
};

/** How the identity waits before reading a mismatched pair again; it gives up after `attempt` 5. */
export type IdentityRetry = (attempt: number) => Promise<void>;

const shortPause: IdentityRetry = () => new Promise((r) => setTimeout(r, 20));

/**
 * The device's TLS client identity (its enrolled certificate and key), absent before enrollment.
 * Read from disk once and kept in memory: a device makes about six requests per update, and read
 * per request the two files cost more than the rest of the request's set-up. A renewal replacing
 * them (`identityReplaced`) makes the next request read them again; a pair read while a renewal was
 * swapping the files is used once and not kept.
 *
 * A renewal with a new key renames the key, then the certificate: a read between the two finds a
 * pair that does not match, and reads again after `retry` (a short pause; the renames are next).
 */
export function deviceTlsIdentity(layout: DataDirLayout, retry: IdentityRetry = shortPause): () => Promise<TlsIdentity | undefined> {
  let kept: { version: number; pair: TlsIdentity } | undefined;
  return async () => {
    const version = identityVersion(layout);
    if (kept?.version === version) return kept.pair;
    kept = undefined;
    const read = await readMatchingPair(layout, retry);
    if (read.matched && read.pair && identityVersion(layout) === version) kept = { version, pair: read.pair };
    return read.pair;
  };
}

async function readMatchingPair(layout: DataDirLayout, retry: IdentityRetry): Promise<{ pair: TlsIdentity | undefined; matched: boolean }> {
  for (let attempt = 1; ; attempt++) {
    let pair: TlsIdentity;
    try {
      pair = { cert: await readFile(layout.deviceCertificate, 'utf8'), key: await readFile(layout.deviceKey, 'utf8') };
    } catch {
      return { pair: undefined, matched: false }; // not enrolled (yet): read again next time
    }
    if (matches(pair)) return { pair, matched: true };
    if (attempt >= 5) return { pair, matched: false };
    await retry(attempt);
  }
}
