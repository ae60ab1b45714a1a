// The few DER (ITU-T X.690) pieces the device CA needs to read a CSR and write a certificate: a
// strict reader (definite lengths only, no trailing bytes) and an encoder of tag-length-value.

/** One element: its tag, its content bytes, and the whole element as it was read (header included). */
export interface DerElement {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

export class DerError extends Error {}

/** Reads the element at `offset`; returns it and the offset after it. */
export function readElement(buf: Buffer, offset = 0): { element: DerElement; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated element');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let length = buf[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    // DER: no indefinite length (0x80), minimal long form, and nothing a CSR would need beyond 4 octets.
    if (octets === 0 || octets > 4 || offset + 2 + octets > buf.length) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buf[offset + 2 + i]!;
    if (length < 0x80 || buf[offset + 2] === 0) throw new DerError('length not minimally encoded');
    header += octets;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new DerError('truncated element');
  return { element: { tag, content: buf.subarray(offset + header, end), raw: buf.subarray(offset, end) }, next: end };
}

/** The children of a constructed element, each of the expected tag, exactly as many as given. */
export function readChildren(parent: DerElement, tags: number[]): DerElement[] {
  const out: DerElement[] = [];
  let offset = 0;
  for (const tag of tags) {
    const { element, next } = readElement(parent.content, offset);
    if (element.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
    out.push(element);
    offset = next;
  }
  if (offset !== parent.content.length) throw new DerError('unexpected trailing elements');
  return out;
}

/** Every child of a constructed element, whatever their tags. */
export function childrenOf(parent: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < parent.content.length;) {
    const { element, next } = readElement(parent.content, offset);
    out.push(element);
    offset = next;
  }
  return out;
}

/** Reads a whole buffer as exactly one element. */
export function readOnly(buf: Buffer): DerElement {
  const { element, next } = readElement(buf);
  if (next !== buf.length) throw new DerError('trailing bytes after the element');
  return element;
}

function lengthOf(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Tag, length, then the parts' bytes. */
export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), lengthOf(content.length), content]);
}

export const tags = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift(0x80 | (v & 0x7f));
    bytes.push(...base128);
  }
  return tlv(tags.oid, Buffer.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; seconds, always Zulu. */
export function time(at: Date): Buffer {
  const iso = at.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = at.getUTCFullYear();
  return year < 2050 ? tlv(tags.utcTime, Buffer.from(digits.slice(2), 'ascii')) : tlv(tags.generalizedTime, Buffer.from(digits, 'ascii'));
}
