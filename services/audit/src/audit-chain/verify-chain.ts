import type { Database } from '@keelson/postgres';
import { entryColumns, entryOfRow, type EntryRow } from '../audit-log/audit-log.rows.js';
import type { ChainedEntry } from '../audit-log/audit-log.writer.js';
import { chainHash, genesisHash } from './audit-entry.js';

/** How an entry fails the chain: a missing position, a wrong link, an edited entry, or a head that disagrees with the last entry. */
export type ChainProblem = 'position' | 'prev-hash' | 'hash' | 'head';

/** The outcome of walking the chain from its first entry. */
export interface ChainVerdict {
  intact: boolean;
  /** Entries checked (all of them when intact). */
  entries: number;
  /** The hash of the last intact entry: a value to keep elsewhere, so a later rewrite of the whole chain shows. */
  headHash: string;
  firstBroken?: {
    position: number;
    stream?: string;
    seq?: number;
    entryId?: string;
    problem: ChainProblem;
    expected?: string;
    found?: string;
  };
}

/** Where and how an entry fails to follow the one before it. */
export interface BrokenLink {
  problem: ChainProblem;
  /** What the chain calls for at that place, and what the entry holds instead. */
  expected: string;
  found: string;
}

/** How `entry` fails to follow an intact entry at `prev`, or undefined if it links. */
export function brokenLink(prev: { position: number; hash: string }, entry: ChainedEntry): BrokenLink | undefined {
  if (entry.position !== prev.position + 1)
    return { problem: 'position', expected: String(prev.position + 1), found: String(entry.position) };
  if (entry.prevHash !== prev.hash) return { problem: 'prev-hash', expected: prev.hash, found: entry.prevHash };
  const { prevHash, hash, ...hashed } = entry;
  const recomputed = chainHash(prevHash, hashed);
  if (recomputed !== hash) return { problem: 'hash', expected: recomputed, found: hash };
  return undefined;
}

/** What is wrong with `entry` following an intact entry at `prev`, or undefined if it links. */
export function problemOf(prev: { position: number; hash: string }, entry: ChainedEntry): ChainProblem | undefined {
  return brokenLink(prev, entry)?.problem;
}

const pageSize = 1000;

/** Recomputes every hash in chain order and reports the first entry that does not hold. */
export async function verifyChain(db: Database): Promise<ChainVerdict> {
  let prev = { position: 0, hash: genesisHash };
  for (;;) {
    const rows = await db.query<EntryRow>(`SELECT ${entryColumns} FROM audit_log WHERE position > $1 ORDER BY position LIMIT $2`, [
      prev.position,
      pageSize,
    ]);
    for (const row of rows) {
      const entry = entryOfRow(row);
      const broken = brokenLink(prev, entry);
      if (broken) {
        const firstBroken = {
          position: prev.position + 1,
          stream: entry.stream,
          seq: entry.seq,
          entryId: `${entry.stream}:${entry.seq}`,
          ...broken,
        };
        return { intact: false, entries: prev.position, headHash: prev.hash, firstBroken };
      }
      prev = { position: entry.position, hash: entry.hash };
    }
    if (rows.length < pageSize) break;
  }
  const [head] = await db.query<{ position: string; hash: string }>('SELECT position, hash FROM audit_chain_head');
  if (!head || Number(head.position) !== prev.position || head.hash !== prev.hash) {
    const found = head ? `${head.position}:${head.hash}` : 'no head row';
    return {
      intact: false,
      entries: prev.position,
      headHash: prev.hash,
      firstBroken: { position: prev.position + 1, problem: 'head', expected: `${prev.position}:${prev.hash}`, found },
    };
  }
  return { intact: true, entries: prev.position, headHash: prev.hash };
}
