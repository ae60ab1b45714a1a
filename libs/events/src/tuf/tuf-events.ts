import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { IsoTime, JsonObject, Sha256Hex, SubjectToken, TargetPath } from '../kit/tokens.js';

/** The four top-level TUF roles (TUF spec 2.1). */
export const TufRole = z.enum(['root', 'targets', 'snapshot', 'timestamp']);
export type TufRole = z.infer<typeof TufRole>;

/** The keys trusted for one role and how many of them must sign (TUF spec 2.1.1). */
export const RoleKeys = z
  .strictObject({ keyIds: z.array(Sha256Hex).min(1).max(16), threshold: z.number().int().min(1) })
  .refine((r) => r.threshold <= r.keyIds.length, { path: ['threshold'], message: 'must not exceed the number of keys' });

// Every signing event carries the whole signed document: TUF metadata is public, and whoever serves
// it to devices can then rebuild it from the stream alone.
const signed = {
  fleet: SubjectToken,
  version: z.number().int().min(1),
  expires: IsoTime,
  metadata: JsonObject,
};

/** A fleet's TUF repository exists; `development` says every key, root included, is online. */
export const TufRepositoryInitialised = defineMessage('TufRepositoryInitialised', 1, {
  fleet: SubjectToken,
  development: z.boolean(),
  consistentSnapshot: z.boolean(),
  roles: z.record(TufRole, RoleKeys),
});
export type TufRepositoryInitialised = z.infer<typeof TufRepositoryInitialised>;

/** A new root is in force: signed online in development, imported from the offline ceremony otherwise. */
export const RootMetadataSigned = defineMessage('RootMetadataSigned', 1, signed);
export type RootMetadataSigned = z.infer<typeof RootMetadataSigned>;

/** A new targets metadata is signed; `targetPaths` are the targets it added or changed. */
export const TargetsSigned = defineMessage('TargetsSigned', 1, {
  ...signed,
  targetPaths: z.array(TargetPath),
});
export type TargetsSigned = z.infer<typeof TargetsSigned>;

/**
 * The name of a delegated targets role. Keelson delegates to succinct hash bins (TAP 15):
 * `bins-<hex index>`; the name is also the metadata file name a device asks for (`<N>.<role>.json`).
 */
export const DelegatedRoleName = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,31}-[0-9a-f]{1,8}$/, 'must be a hash-bin role name: <prefix>-<hex index>');

/**
 * A new metadata of one delegated targets role (a hash bin) is signed: only that bin, so no event
 * grows with the repository. `targetPaths` are the targets it added (none for a renewal, a re-signing
 * or targets moved into their bin from an older flat targets metadata).
 */
export const DelegatedTargetsSigned = defineMessage('DelegatedTargetsSigned', 1, {
  ...signed,
  role: DelegatedRoleName,
  targetPaths: z.array(TargetPath),
});
export type DelegatedTargetsSigned = z.infer<typeof DelegatedTargetsSigned>;

/** A new snapshot metadata is signed, fixing the versions of the targets metadata (top-level and bins) it lists. */
export const SnapshotSigned = defineMessage('SnapshotSigned', 1, signed);
export type SnapshotSigned = z.infer<typeof SnapshotSigned>;

/** A new timestamp metadata is signed, either for a new snapshot or before the current one expires. */
export const TimestampRenewed = defineMessage('TimestampRenewed', 1, signed);
export type TimestampRenewed = z.infer<typeof TimestampRenewed>;

/** Any event of a fleet's TUF repository (`ev.tuf.*`), latest versions only. */
export type TufEvent =
  TufRepositoryInitialised | RootMetadataSigned | TargetsSigned | DelegatedTargetsSigned | SnapshotSigned | TimestampRenewed;

/** Reads every version of every TUF event. */
export const tufEvents = new MessageRegistry<TufEvent>([
  readersOf(TufRepositoryInitialised),
  readersOf(RootMetadataSigned),
  readersOf(TargetsSigned),
  readersOf(DelegatedTargetsSigned),
  readersOf(SnapshotSigned),
  readersOf(TimestampRenewed),
]);

/** Parses a TUF event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseTufEvent(raw: unknown): TufEvent {
  return tufEvents.parse(raw);
}
