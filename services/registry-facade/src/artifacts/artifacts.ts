import {
  AggregateCache,
  handleCommand,
  type CommandOutcome,
  type EventMetadata,
  type EventStore,
  type LoadOptions,
  type RecordedEvent,
} from '@keelson/event-store';
import type { ArtifactEvent } from '@keelson/events';
import { artifactDecider, type Artifact, type ArtifactCommand } from './artifact.decider.js';

/** Runs artifact commands against `ev.artifact.<fleet>.<artifactId>`: load, decide, append, retry on conflict. */
export class Artifacts {
  private readonly cache = new AggregateCache<Artifact>();

  constructor(readonly store: EventStore<ArtifactEvent>) {}

  subject(fleet: string, artifactId: string): string {
    return this.store.subject('artifact', fleet, artifactId);
  }

  execute(
    fleet: string,
    artifactId: string,
    command: ArtifactCommand,
    meta: EventMetadata,
  ): Promise<CommandOutcome<ArtifactEvent, Artifact>> {
    return handleCommand({
      store: this.store,
      subject: this.subject(fleet, artifactId),
      decider: artifactDecider,
      command,
      meta,
      cache: this.cache,
    });
  }

  /** The artifact's recorded history, straight from its stream (no read model in between). */
  async history(fleet: string, artifactId: string, options: LoadOptions = {}): Promise<RecordedEvent<ArtifactEvent>[]> {
    return (await this.store.load(this.subject(fleet, artifactId), 0, options)).events;
  }

  /** The history right after `outcome`'s command, what it appended included, whichever replica answers the read. */
  historyAfter(
    fleet: string,
    artifactId: string,
    outcome: CommandOutcome<ArtifactEvent, Artifact>,
  ): Promise<RecordedEvent<ArtifactEvent>[]> {
    const through = outcome.append?.lastSeq ?? 0; // 0: nothing appended, or a duplicate of an earlier try
    return this.history(fleet, artifactId, through > 0 ? { through } : { latest: true });
  }

  /** Whether anything was ever recorded under this id, as the stream's leader has it (true on every replica at once). */
  async exists(fleet: string, artifactId: string): Promise<boolean> {
    return (await this.history(fleet, artifactId, { latest: true })).length > 0;
  }
}
