import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const signatureHeader = 'Keelson-Signature';

/** What is signed: the timestamp, a dot, then the exact body bytes (so a replayed body with a new time fails). */
const signedText = (timestamp: number, body: string) => `${timestamp}.${body}`;

/** The value of `Keelson-Signature` for `body` sent at `timestamp` (unix seconds). */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(signedText(timestamp, body)).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** Why a receiver refused a delivery's signature. */
export type SignatureProblem = 'malformed' | 'mismatch' | 'stale';

/**
 * What a receiver does with a delivery: parse the header, recompute the HMAC over `t.body` with the
 * shared secret, compare in constant time, and refuse timestamps older than `toleranceSeconds`
 * (replays). Returns the problem, or undefined when the delivery is genuine.
 */
export function checkDelivery(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): SignatureProblem | undefined {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return 'malformed';
  const timestamp = Number(match[1]);
  const expected = Buffer.from(signDelivery(secret, timestamp, body).slice(-64), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))) return 'mismatch';
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return 'stale';
  return undefined;
}
