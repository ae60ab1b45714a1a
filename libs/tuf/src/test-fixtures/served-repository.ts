import type { TufEvent } from '@keelson/events';
import type { TargetEntry } from '../index.js';
import { servedBytes, sha256, signedBy, type AnySigned, type SigningKey } from './signing-keys.js';

// How the facade serves a fleet repository: files by consistent-snapshot name (TUF spec 5.5), the
// signer's events it builds them from, and what a test repository keeps to serve and log them.

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

/**
 * What a repository serves and has signed: metadata by consistent-snapshot name, targets by digest,
 * and the log of every properly signed document (`signings`, in order).
 */
export class ServedRepository {
  readonly metadata = new Map<string, Buffer>();
  readonly blobs = new Map<string, Buffer>();
  readonly signings: Signing[] = [];

  /** Signs `body` as `role` (a top-level role or a bin), serves it by its consistent-snapshot name and logs it. */
  protected record(
    role: string,
    body: AnySigned,
    signers: SigningKey[],
    targetPaths: string[] = [],
    metadata = signedBy(body, signers),
  ): Signing {
    this.metadata.set(metadataFileName(role, body.version), servedBytes(metadata));
    const document = metadata.toJSON() as Record<string, unknown>;
    const signing = { role, version: body.version, expires: body.expires, document, targetPaths };
    this.signings.push(signing);
    return signing;
  }

  /** Keeps `bytes` where a consistent-snapshot client asks for them; the entry a targets metadata signs. */
  protected keep(path: string, bytes: Buffer, custom: Record<string, unknown>): TargetEntry {
    const entry = { path, length: bytes.length, sha256: sha256(bytes), custom };
    this.blobs.set(blobName(path, entry.sha256), Buffer.from(bytes));
    return entry;
  }

  /** `keep` for each of `targets` (path -> bytes), with no custom field. */
  protected keepAll(targets: Record<string, Buffer>): TargetEntry[] {
    return Object.entries(targets).map(([path, bytes]) => this.keep(path, bytes, {}));
  }
}
