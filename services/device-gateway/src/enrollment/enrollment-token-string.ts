import { createHash, randomBytes } from 'node:crypto';

/** What a presented token says about itself; only the digest is ever compared or stored. */
export interface PresentedToken {
  fleet: string;
  tokenId: string;
  tokenSha256: string;
}

const token = /^[a-z0-9][a-z0-9-]{0,62}$/;
// Exactly what mintEnrollmentToken makes: other subjects under `ev.enrollment.<fleet>` (the refusal log) are never tokens.
const tokenIdPattern = /^et-[0-9a-f]{16}$/;
const secret = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

const digestOf = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * Mints `<fleet>.<tokenId>.<secret>`: the fleet and id say which aggregate to load, the 256-bit
 * secret makes it unguessable. The digest covers the whole string, so no part can be swapped.
 */
export function mintEnrollmentToken(fleet: string): PresentedToken & { token: string } {
  const tokenId = `et-${randomBytes(8).toString('hex')}`;
  const value = `${fleet}.${tokenId}.${randomBytes(32).toString('base64url')}`;
  return { fleet, tokenId, token: value, tokenSha256: digestOf(value) };
}

/** Reads a token a device presented; null when it cannot be one of ours. */
export function readEnrollmentToken(value: string): PresentedToken | null {
  const parts = value.split('.');
  if (parts.length !== 3) return null;
  const [fleet, tokenId, key] = parts as [string, string, string];
  if (!token.test(fleet) || !tokenIdPattern.test(tokenId) || !secret.test(key)) return null;
  return { fleet, tokenId, tokenSha256: digestOf(value) };
}

/** The fleet a malformed token names, if its first part could be one: refusals are logged there. */
export function claimedFleetOf(value: string): string | undefined {
  const fleet = value.split('.')[0] ?? '';
  return token.test(fleet) ? fleet : undefined;
}
