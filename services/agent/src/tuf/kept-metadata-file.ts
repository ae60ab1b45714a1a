// The file that holds a device's trusted TUF metadata other than root (timestamp, snapshot,
// top-level targets and the hash bins it has read): the documents' bytes exactly as the facade
// served them and tuf-js verified them, one after the other, behind a header naming each and its
// length. One file written once per refresh instead of one file per document: on this kind of disk
// each new file costs an inode allocation, and tuf-js wrote four per fresh device.
//
//   keelson-tuf-kept 1\n
//   [["timestamp",812],["snapshot",9431],["targets",1290],["bins-3f",604]]\n
//   <812 bytes><9431 bytes><1290 bytes><604 bytes>

const magic = 'keelson-tuf-kept 1\n';
const newline = 0x0a;

/** The kept documents by role name (`timestamp`, `snapshot`, `targets`, a bin's role name). */
export type KeptDocuments = Map<string, Buffer>;

/** The file's bytes for `documents`, in the map's order. */
export function encodeKept(documents: KeptDocuments): Buffer {
  const header = JSON.stringify([...documents].map(([name, bytes]) => [name, bytes.length]));
  return Buffer.concat([Buffer.from(`${magic}${header}\n`), ...documents.values()]);
}

/**
 * The documents a kept file holds, or null when it is not one this agent wrote whole (another
 * format, a header that does not parse, lengths that do not add up to the file's): the refresh
 * then starts from the root alone, as tuf-js does with a document it cannot read.
 */
export function decodeKept(file: Buffer): KeptDocuments | null {
  if (file.subarray(0, magic.length).toString('latin1') !== magic) return null;
  const headerEnd = file.indexOf(newline, magic.length);
  if (headerEnd < 0) return null;
  let entries: unknown;
  try {
    entries = JSON.parse(file.subarray(magic.length, headerEnd).toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(entries)) return null;
  const documents: KeptDocuments = new Map();
  let at = headerEnd + 1;
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Number.isSafeInteger(entry[1]) || (entry[1] as number) < 0) return null;
    const [name, length] = entry as [string, number];
    if (at + length > file.length) return null;
    documents.set(name, file.subarray(at, at + length));
    at += length;
  }
  return at === file.length ? documents : null;
}
