import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What is stored for a device's MQTT password: a salt and a digest, never the password. */
export interface StoredPassword {
  salt: Buffer;
  sha256: Buffer;
}

const digest = (salt: Buffer, password: string): Buffer => createHash('sha256').update(salt).update(password, 'utf8').digest();

/**
 * Mints a device password: 256 random bits. A salted SHA-256 is enough for a secret that is not
 * chosen by a person (no dictionary to try, 2^256 guesses), and keeps the auth callout fast when a
 * whole fleet reconnects at once, which a deliberately slow hash (scrypt, bcrypt) would not.
 */
export function mintDevicePassword(): { password: string; stored: StoredPassword } {
  const password = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  return { password, stored: { salt, sha256: digest(salt, password) } };
}

/** Constant-time comparison of a presented password with the stored digest. */
export function isDevicePassword(password: string, stored: StoredPassword): boolean {
  const presented = digest(stored.salt, password);
  return presented.length === stored.sha256.length && timingSafeEqual(presented, stored.sha256);
}
