import type { TufEvent } from '@keelson/events';
import { defaultLifetimes, initialRepository, nextSnapshot, nextTargets, nextTimestamp, type TargetEntry } from '@keelson/tuf';
import type { Root, Snapshot, Targets, Timestamp } from '@tufjs/models';
import type { FleetKeys } from '@keelson/signer/dist/keys/fleet-keyring.js';
import { addServedFiles } from './fleet-repository.js';

/**
 * The baseline: the same fleet as the signer kept it before hash bins, one flat top-level targets
 * metadata listing every target, signed with the same keys in the same run. Each publish re-signs
 * that whole targets metadata, snapshot and timestamp, and its `TargetsSigned` event carries it all.
 */
export class FlatRepository {
  readonly events: TufEvent[] = [];
  /** Every metadata file the facade serves for this repository, by consistent-snapshot name. */
  readonly files = new Map<string, Buffer>();
  /** The signed root a device pins at enrollment. */
  pinnedRoot: Record<string, unknown> = {};
  private readonly root: Root;
  private targets: Targets;
  private snapshot: Snapshot;
  private timestamp: Timestamp;

  private constructor(
    private readonly fleet: string,
    private readonly keys: FleetKeys,
    private readonly now: () => Date,
  ) {
    ({
      root: this.root,
      targets: this.targets,
      snapshot: this.snapshot,
      timestamp: this.timestamp,
    } = initialRepository(keys.keys, defaultLifetimes, now()));
  }

  static async create(fleet: string, keys: FleetKeys, now: () => Date): Promise<FlatRepository> {
    const repo = new FlatRepository(fleet, keys, now);
    repo.pinnedRoot = await keys.sign('root', repo.root);
    repo.record([{ type: 'RootMetadataSigned', schemaVersion: 1, data: repo.data(repo.root, repo.pinnedRoot) }]);
    await repo.signTop([]);
    return repo;
  }

  /** Adds `entries` to the flat targets and signs targets, snapshot and timestamp. Returns the events. */
  async publish(entries: TargetEntry[]): Promise<TufEvent[]> {
    const now = this.now();
    this.targets = nextTargets(this.targets, entries, now, defaultLifetimes.targets);
    this.snapshot = nextSnapshot(this.snapshot, this.targets.version, now, defaultLifetimes.snapshot);
    this.timestamp = nextTimestamp(this.timestamp, this.snapshot.version, now, defaultLifetimes.timestamp);
    return this.signTop(entries.map((e) => e.path));
  }

  private async signTop(targetPaths: string[]): Promise<TufEvent[]> {
    const events: TufEvent[] = [
      {
        type: 'TargetsSigned',
        schemaVersion: 1,
        data: { ...this.data(this.targets, await this.keys.sign('targets', this.targets)), targetPaths },
      },
      { type: 'SnapshotSigned', schemaVersion: 1, data: this.data(this.snapshot, await this.keys.sign('snapshot', this.snapshot)) },
      { type: 'TimestampRenewed', schemaVersion: 1, data: this.data(this.timestamp, await this.keys.sign('timestamp', this.timestamp)) },
    ];
    this.record(events);
    return events;
  }

  private record(events: TufEvent[]): void {
    this.events.push(...events);
    addServedFiles(this.files, events);
  }

  private data(signed: { version: number; expires: string }, metadata: Record<string, unknown>) {
    return { fleet: this.fleet, version: signed.version, expires: signed.expires, metadata };
  }
}
