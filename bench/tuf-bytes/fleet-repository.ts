import type { TufEvent } from '@keelson/events';
import { defaultLifetimes, type TargetEntry } from '@keelson/tuf';
import type { FleetKeys } from '@keelson/signer/dist/keys/fleet-keyring.js';
import { planInitialisation, planTargets } from '@keelson/signer/dist/repository/signing-plans.js';
import { tufRepositoryDecider } from '@keelson/signer/dist/repository/tuf-repository.decider.js';
import type { TufRepository } from '@keelson/signer/dist/repository/tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;

/**
 * A fleet's repository kept by the signer's own repository code (prepare and sign with
 * `signing-plans`, check and record with the decider, fold with its `evolve`), in memory: the same
 * path a publish takes in the signer, without the event store round trip. Every event is kept, so
 * the files a facade would serve can be rebuilt from them.
 */
export class FleetRepository {
  readonly events: TufEvent[] = [];
  /** Every metadata file the facade serves for this repository, by consistent-snapshot name. */
  readonly files = new Map<string, Buffer>();
  private state: TufRepository = tufRepositoryDecider.initialState();

  private constructor(
    private readonly keys: FleetKeys,
    private readonly now: () => Date,
  ) {}

  static async create(fleet: string, keys: FleetKeys, bins: number, now: () => Date): Promise<FleetRepository> {
    const repo = new FleetRepository(keys, now);
    repo.record(tufRepositoryDecider.decide(await planInitialisation(fleet, keys, defaultLifetimes, bins, now()), repo.state));
    return repo;
  }

  /** Signs `entries` as one publish does: their bins, snapshot and timestamp. Returns that decision's events. */
  async publish(entries: TargetEntry[]): Promise<TufEvent[]> {
    const state = this.state as Active;
    const events = tufRepositoryDecider.decide(await planTargets(state, entries, this.keys, defaultLifetimes, this.now()), state);
    this.record(events);
    return events;
  }

  /** The signed root a device pins at enrollment. */
  get pinnedRoot(): Record<string, unknown> {
    return (this.state as Active).documents.root!.metadata;
  }

  private record(events: TufEvent[]): void {
    this.events.push(...events);
    addServedFiles(this.files, events);
    this.state = events.reduce(tufRepositoryDecider.evolve, this.state);
  }
}

/** Adds `<N>.<role>.json` (bins by their role name) and `timestamp.json` (the latest) of `events`, as the facade serves them. */
export function addServedFiles(files: Map<string, Buffer>, events: TufEvent[]): void {
  const roleOf = {
    RootMetadataSigned: 'root',
    TargetsSigned: 'targets',
    SnapshotSigned: 'snapshot',
    TimestampRenewed: 'timestamp',
  } as const;
  for (const e of events) {
    if (e.type === 'TufRepositoryInitialised') continue;
    const role = e.type === 'DelegatedTargetsSigned' ? e.data.role : roleOf[e.type];
    files.set(role === 'timestamp' ? 'timestamp.json' : `${e.data.version}.${role}.json`, Buffer.from(JSON.stringify(e.data.metadata)));
  }
}
