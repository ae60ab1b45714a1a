import { NotFound } from '@keelson/domain-kit';
import { AggregateCache, loadAggregate, handleCommand, type EventMetadata, type EventStore } from '@keelson/event-store';
import type { RolloutEvent } from '@keelson/events';
import { rolloutDecider, type LiveRollout, type Rollout, type RolloutCommand } from './domain/rollout.decider.js';
import { rolloutEventsAppended } from './rollout.metrics.js';

/**
 * Runs rollout commands against `ev.rollout.<fleet>.<rolloutId>`: load, decide, append, retry on
 * conflict, through a cache of folded rollouts. Reads for operators are `RolloutViews`'; after a
 * command the state is the one just decided on, so a view of it reads the caller's own write.
 */
export class Rollouts {
  private readonly cache = new AggregateCache<Rollout>();
  private readonly appended = rolloutEventsAppended();

  constructor(readonly store: EventStore<RolloutEvent>) {}

  subject(fleet: string, rolloutId: string): string {
    return this.store.subject('rollout', fleet, rolloutId);
  }

  /** Runs one command; returns the events it appended, the state after them and the first one's stream sequence (0 if none or a duplicate). */
  async execute(command: RolloutCommand, meta: EventMetadata): Promise<{ events: RolloutEvent[]; state: LiveRollout; firstSeq: number }> {
    const outcome = await handleCommand({
      store: this.store,
      subject: this.subject(command.fleet, command.rolloutId),
      decider: rolloutDecider,
      command,
      meta,
      cache: this.cache,
    });
    if (outcome.state.status === 'absent') throw new NotFound('rollout', command.rolloutId);
    if (outcome.append && !outcome.append.duplicate) for (const e of outcome.events) this.appended.inc({ type: e.type });
    return { events: outcome.events, state: outcome.state, firstSeq: outcome.append?.duplicate ? 0 : (outcome.append?.firstSeq ?? 0) };
  }

  /** The rollout's current state, read from its stream (through the cache) up to the leader's newest event. */
  async current(fleet: string, rolloutId: string): Promise<Rollout> {
    const subject = this.subject(fleet, rolloutId);
    return (await loadAggregate(this.store, subject, rolloutDecider, this.cache, { latest: true })).state;
  }
}
