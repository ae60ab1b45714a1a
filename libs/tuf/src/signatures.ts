import { Metadata, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';

/** Signed metadata of any top-level role. */
export type AnyMetadata = Metadata<Root> | Metadata<Targets> | Metadata<Snapshot> | Metadata<Timestamp>;

/**
 * True when `metadata` carries valid signatures from at least the threshold of the keys `root`
 * trusts for `role` (TUF spec 5.3-5.6: the client checks exactly this). Pure crypto, no I/O.
 */
export function isSignedByRole(root: Root, role: string, metadata: AnyMetadata): boolean {
  try {
    new Metadata(root).verifyDelegate(role, metadata);
    return true;
  } catch {
    return false;
  }
}
