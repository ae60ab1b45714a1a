import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a presented API token says about itself: which aggregate to load, and the digest to compare. */
export interface PresentedApiToken {
  fleet: string;
  tokenId: string;
  secretSha256: string;
}

// `kls_<fleet>_<tokenId>_<secret>`: fleets and ids have no `_`, so the split is unambiguous.
const tokenPattern = /^kls_([a-z0-9][a-z0-9-]{0,62})_(at-[0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const digestOf = (value: string): string => createHash('sha256').update(value).digest('hex');

/** True when `value` is meant as an API token (as opposed to the bootstrap admin token). */
export const looksLikeApiToken = (value: string): boolean => value.startsWith('kls_');

/**
 * Mints `kls_<fleet>_<tokenId>_<secret>` with a 256-bit secret. The digest covers the whole string,
 * so neither the fleet nor the id can be swapped; the caller shows the token once and keeps the digest.
 */
export function mintApiToken(fleet: string): PresentedApiToken & { token: string } {
  const tokenId = `at-${randomBytes(8).toString('hex')}`;
  const token = `kls_${fleet}_${tokenId}_${randomBytes(32).toString('base64url')}`;
  return { fleet, tokenId, token, secretSha256: digestOf(token) };
}

/** Reads a presented token; null when it cannot be one of ours. */
export function readApiToken(value: string): PresentedApiToken | null {
  const m = tokenPattern.exec(value);
  if (!m) return null;
  return { fleet: m[1]!, tokenId: m[2]!, secretSha256: digestOf(value) };
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
