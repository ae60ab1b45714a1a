import { createHash } from 'node:crypto';
import { CanonicalText, canonicalJson } from './canonical-json.js';

/**
 * One row of the audit log: every fact it records about one stored event. The hash covers all of
 * it, so editing any column of a stored entry (even a derived one, such as the ids a filter
 * matches on) breaks the chain.
 */
export interface AuditEntry {
  /** Place in the one total order of the chain, from 1. */
  position: number;
  /** The stream the event is stored in (with the installation's prefix) and its sequence there. */
  stream: string;
  seq: number;
  fleet: string;
  /** The aggregate subject, `ev.<aggregate>.<fleet>.<id>` with the prefix (without the type of a typed subject). */
  subject: string;
  /** The aggregate kind of the subject (`rollout`, `device`, `tuf`, ...). */
  family: string;
  type: string;
  schemaVersion: number;
  /** False for an event of a type or version this audit version does not know yet. */
  recognised: boolean;
  /** `<kind>:<id>` from the Keelson-Actor header. */
  actor: string;
  correlationId: string;
  /** JetStream's time of the event, ISO-8601 with milliseconds and `Z`. */
  time: string;
  rolloutIds: string[];
  deviceIds: string[];
  /** Artifact names the event concerns. */
  artifacts: string[];
  data: Record<string, unknown>;
}

/** An entry before the chain gives it a place. */
export type AuditEntryDraft = Omit<AuditEntry, 'position'>;

/** The previous hash of the first entry. */
export const genesisHash = '0'.repeat(64);

/**
 * `sha256(prevHash || canonical entry)`: the 64 hex characters of the previous hash, then the entry's
 * canonical JSON, as UTF-8. `dataJson`, when given, is `canonicalJson(entry.data)` already written.
 */
export function chainHash(prevHash: string, entry: AuditEntry, dataJson = canonicalJson(entry.data)): string {
  const canonical = canonicalJson({ ...entry, data: new CanonicalText(dataJson) });
  return createHash('sha256').update(prevHash, 'utf8').update(canonical, 'utf8').digest('hex');
}

/** An entry as it stands in the chain. */
export interface ChainedEntry extends AuditEntry {
  prevHash: string;
  hash: string;
}

/** A chained entry with its data as canonical JSON: the text that was hashed, and is stored. */
export interface SerialisedEntry {
  entry: ChainedEntry;
  dataJson: string;
}

/** Places `draft` after `prev`: serialises its data once, for the hash and for the row. */
export function chainOne(prev: { position: number; hash: string }, draft: AuditEntryDraft): SerialisedEntry {
  const entry: AuditEntry = { position: prev.position + 1, ...draft };
  const dataJson = canonicalJson(entry.data);
  return { entry: { ...entry, prevHash: prev.hash, hash: chainHash(prev.hash, entry, dataJson) }, dataJson };
}

/**
 * Places `drafts` one after another after `head`, each linked to the one before: the entries that
 * appending them one at a time would produce, computed without asking the database in between.
 */
export function chainAfter(head: { position: number; hash: string }, drafts: AuditEntryDraft[]): SerialisedEntry[] {
  let prev = head;
  return drafts.map((draft) => {
    const serialised = chainOne(prev, draft);
    prev = serialised.entry;
    return serialised;
  });
}
