import type { TufEvent } from '@keelson/events';
import {
  initialRepository,
  nextSnapshot,
  nextTargets,
  nextTimestamp,
  type TargetEntry,
  type TufLifetimes,
  type TufRoleName,
} from '@keelson/tuf';
import type { FleetKeys } from '../keys/fleet-keyring.js';

type Doc = { version: number; expires: string };

/**
 * The events a signer from before hash bins recorded for a fleet: a flat top-level targets (v1
 * empty, then v2 with `entries`), with snapshot and timestamp, signed with `keys`. For specs of the
 * re-delegation that lets such repositories keep working.
 */
export async function flatRepositoryEvents(
  fleet: string,
  keys: FleetKeys,
  entries: TargetEntry[],
  lifetimes: TufLifetimes,
  now: Date,
): Promise<TufEvent[]> {
  const repo = initialRepository(keys.keys, lifetimes, now);
  const targets = nextTargets(repo.targets, entries, now, lifetimes.targets);
  const snapshot = nextSnapshot(repo.snapshot, targets.version, now, lifetimes.snapshot);
  const timestamp = nextTimestamp(repo.timestamp, snapshot.version, now, lifetimes.timestamp);
  const data = async (role: 'root' | 'targets' | 'snapshot' | 'timestamp', m: Doc & Parameters<FleetKeys['sign']>[1]) => ({
    fleet,
    version: m.version,
    expires: m.expires,
    metadata: await keys.sign(role, m),
  });
  const roles = Object.fromEntries(
    (['root', 'targets', 'snapshot', 'timestamp'] as const).map((r) => [r, { keyIds: [keys.keys[r].keyID], threshold: 1 }]),
  ) as Record<TufRoleName, { keyIds: string[]; threshold: number }>;
  return [
    { type: 'TufRepositoryInitialised', schemaVersion: 1, data: { fleet, development: true, consistentSnapshot: true, roles } },
    { type: 'RootMetadataSigned', schemaVersion: 1, data: await data('root', repo.root) },
    { type: 'TargetsSigned', schemaVersion: 1, data: { ...(await data('targets', repo.targets)), targetPaths: [] } },
    { type: 'SnapshotSigned', schemaVersion: 1, data: await data('snapshot', repo.snapshot) },
    { type: 'TimestampRenewed', schemaVersion: 1, data: await data('timestamp', repo.timestamp) },
    { type: 'TargetsSigned', schemaVersion: 1, data: { ...(await data('targets', targets)), targetPaths: entries.map((e) => e.path) } },
    { type: 'SnapshotSigned', schemaVersion: 1, data: await data('snapshot', snapshot) },
    { type: 'TimestampRenewed', schemaVersion: 1, data: await data('timestamp', timestamp) },
  ];
}
