import { RuleViolation } from '@keelson/domain-kit';
import { isSignedByRole, type AnyMetadata } from '@keelson/tuf';
import { Metadata, MetadataKind, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';

/** Signed metadata of one role, read back into models. */
export interface ReadMetadata {
  root: Metadata<Root>;
  targets: Metadata<Targets>;
  snapshot: Metadata<Snapshot>;
  timestamp: Metadata<Timestamp>;
}

const readers: { [R in keyof ReadMetadata]: (json: Record<string, unknown>) => ReadMetadata[R] } = {
  root: (json) => Metadata.fromJSON(MetadataKind.Root, json as never),
  targets: (json) => Metadata.fromJSON(MetadataKind.Targets, json as never),
  snapshot: (json) => Metadata.fromJSON(MetadataKind.Snapshot, json as never),
  timestamp: (json) => Metadata.fromJSON(MetadataKind.Timestamp, json as never),
};

/** Reads a signed document of `role`; a document that is not one is refused, never half-trusted. */
export function readMetadata<R extends keyof ReadMetadata>(role: R, json: Record<string, unknown>): ReadMetadata[R] {
  try {
    return readers[role](json) as ReadMetadata[R];
  } catch (err) {
    throw new RuleViolation('tuf.metadata-malformed', `the ${role} metadata is not valid TUF metadata`, { cause: err });
  }
}

/** Refuses `metadata` unless the threshold of the keys `root` trusts for `role` signed it. */
export function assertSignedBy(root: Root, role: string, metadata: AnyMetadata): void {
  if (!isSignedByRole(root, role, metadata)) {
    throw new RuleViolation('tuf.signature-invalid', `the ${role} metadata is not signed by the keys the root trusts for ${role}`);
  }
}

/** TUF spec 5.4-5.6 rollback defence: a role's new metadata is exactly one version up. */
export function assertNextVersion(role: string, next: { version: number }, current: number): void {
  if (next.version !== current + 1) {
    throw new RuleViolation('tuf.version-not-next', `the ${role} metadata must be version ${current + 1}, not ${next.version}`);
  }
}

/** Metadata that is already expired when it is signed would be refused by every device. */
export function assertNotExpired(role: string, signed: { expires: string }, now: Date): void {
  if (!(Date.parse(signed.expires) > now.getTime())) {
    throw new RuleViolation('tuf.expired', `the ${role} metadata expires at ${signed.expires}, not after ${now.toISOString()}`);
  }
}

/** The version a snapshot fixes for `targets.json`, or a timestamp for `snapshot.json`, must be the one in force. */
export function assertLists(role: string, listed: number | undefined, file: string, expected: number): void {
  if (listed !== expected) {
    throw new RuleViolation('tuf.meta-mismatch', `the ${role} metadata lists ${file} version ${listed ?? 'none'}, expected ${expected}`);
  }
}
