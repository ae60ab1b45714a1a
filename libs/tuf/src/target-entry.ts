import { TargetFile, type Targets } from '@tufjs/models';
import { canonicalSafe } from './canonical-safe.js';

/** One artifact as a TUF target: where it lives, how long it is, its digest and what we say about it. */
export interface TargetEntry {
  /** `<kind>/<name>/<version>/<file>`. */
  path: string;
  length: number;
  sha256: string;
  /** Becomes the target's `custom` field, e.g. `{ keelson: { manifest, artifactId } }`. */
  custom: Record<string, unknown>;
}

/** How an incoming target relates to a targets metadata: not there yet, already signed, or clashing. */
export type TargetStanding = 'new' | 'same' | 'conflict';

/** The TUF target file of an entry (TUF spec 4.5: length, hashes, custom); floats made canonical-safe. */
export function targetFileOf(entry: TargetEntry): TargetFile {
  return new TargetFile({
    path: entry.path,
    length: entry.length,
    hashes: { sha256: entry.sha256 },
    unrecognizedFields: { custom: canonicalSafe(entry.custom) as Record<string, never> },
  });
}

/**
 * Where `entry` stands in `targets`. A path is signed once and for all: the same path with the same
 * length and sha256 is `same` (a redelivery), anything else under that path is a `conflict`.
 */
export function standingOf(targets: Targets, entry: TargetEntry): TargetStanding {
  const signed = targets.targets[entry.path];
  if (!signed) return 'new';
  return signed.length === entry.length && signed.hashes.sha256 === entry.sha256 ? 'same' : 'conflict';
}
