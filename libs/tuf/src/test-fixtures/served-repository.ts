import type { TufEvent } from '@keelson/events';

// How the facade serves a fleet repository: files by consistent-snapshot name (TUF spec 5.5), and the
// signer's events it builds them from.

/** `<N>.<role>.json`, but `timestamp.json`: the name a consistent-snapshot client asks for (TUF spec 5.5). */
export function metadataFileName(role: string, version: number): string {
  return role === 'timestamp' ? 'timestamp.json' : `${version}.${role}.json`;
}

/** `<dir>/<sha256>.<basename>`: where a consistent-snapshot client asks for a target. */
export function blobName(targetPath: string, digest: string): string {
  const slash = targetPath.lastIndexOf('/');
  return `${targetPath.slice(0, slash)}/${digest}.${targetPath.slice(slash + 1)}`;
}

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
