import type { TufEvent } from '@keelson/events';

/** One document a repository signed, as the signer records it: the role (a top-level role or a bin), its JSON, the targets it added. */
export interface Signing {
  role: string;
  version: number;
  expires: string;
  document: Record<string, unknown>;
  targetPaths: string[];
}

const eventTypes = { root: 'RootMetadataSigned', snapshot: 'SnapshotSigned', timestamp: 'TimestampRenewed' } as const;

/**
 * `signings` as the events the signer appends to `ev.tuf.<fleet>.repository` (what the facade
 * serves devices from): the same documents, signatures and order. Pass `repo.signings.slice(mark)`
 * for what was signed after `mark`.
 */
export function tufEventsOf(fleet: string, signings: Signing[]): TufEvent[] {
  return signings.map(({ role, version, expires, document, targetPaths }): TufEvent => {
    const data = { fleet, version, expires: new Date(expires).toISOString(), metadata: document };
    if (role === 'targets') return { type: 'TargetsSigned', schemaVersion: 1, data: { ...data, targetPaths } };
    if (role in eventTypes) return { type: eventTypes[role as keyof typeof eventTypes], schemaVersion: 1, data };
    return { type: 'DelegatedTargetsSigned', schemaVersion: 1, data: { ...data, role, targetPaths } };
  });
}
