import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether an `Authorization` header carries `Bearer <expected>`. Both sides are hashed first, so the
 * comparison is constant-time whatever the lengths, and the token's length does not leak either.
 */
export function hasInternalToken(authorization: string | undefined, expected: string): boolean {
  const match = /^Bearer (\S+)$/.exec(authorization ?? '');
  if (!match) return false;
  return timingSafeEqual(digest(match[1]!), digest(expected));
}
