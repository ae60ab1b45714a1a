/**
 * What a man in the middle does to metadata on the wire. Each change keeps the document valid JSON
 * with a plausible value, so only the signature (or a version rule) can tell it apart.
 */

/** Pushes the signed `expires` a thousand years out: one byte of the signed part changed (2 -> 3). */
export function flipSignedByte(body: Buffer): Buffer {
  const at = body.indexOf('"expires":"');
  if (at < 0) throw new Error('no expires field to tamper with');
  const year = at + '"expires":"'.length;
  const out = Buffer.from(body);
  out[year] = out[year] === 0x33 ? 0x34 : 0x33;
  return out;
}

/** Points the first target at other bytes: one hex digit of its sha256 changed. */
export function flipTargetHash(body: Buffer): Buffer {
  const at = body.indexOf('"sha256":"');
  if (at < 0) throw new Error('no sha256 to tamper with');
  const digit = at + '"sha256":"'.length;
  const out = Buffer.from(body);
  out[digit] = out[digit] === 0x30 ? 0x31 : 0x30;
  return out;
}

/** The `signed.version` of a metadata document. */
export function versionOf(body: Buffer): number {
  return (JSON.parse(body.toString('utf8')) as { signed: { version: number } }).signed.version;
}
