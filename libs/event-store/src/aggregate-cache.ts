import type { Decider } from '@keelson/domain-kit';
import type { EventStore, LoadOptions } from './event-store.js';

/** A folded aggregate state and the stream sequence it reflects. */
export interface CachedAggregate<S> {
  state: S;
  seq: number;
}

/**
 * Keeps recently used aggregate states so a command decides without reading, or reads only the
 * events appended since. Safe under concurrent writers: events are immutable, so a cached prefix
 * never goes wrong; an append against a stale state fails its sequence check and is retried after
 * reading the rest (handleCommand also confirms by a read any decision without events).
 */
export class AggregateCache<S> {
  private readonly entries = new Map<string, CachedAggregate<S>>();

  constructor(private readonly capacity = 10_000) {}

  get(subject: string): CachedAggregate<S> | undefined {
    const hit = this.entries.get(subject);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used
      this.entries.delete(subject);
      this.entries.set(subject, hit);
    }
    return hit;
  }

  set(subject: string, entry: CachedAggregate<S>): void {
    const current = this.entries.get(subject);
    if (current && current.seq > entry.seq) return; // never move backwards
    this.entries.delete(subject);
    this.entries.set(subject, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * An aggregate's current state and the sequence it reflects: its events folded with `evolve` from
 * `initialState()`. With a cache, only the events after the cached sequence are read, and the result
 * is cached.
 */
export async function loadAggregate<E extends { type: string }, S>(
  store: EventStore<E>,
  subject: string,
  decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>,
  cache?: AggregateCache<S>,
  options: LoadOptions = {},
): Promise<CachedAggregate<S>> {
  const cached = cache?.get(subject);
  const loaded = await store.load(subject, cached?.seq ?? 0, options);
  const state = loaded.events.reduce((s, r) => decider.evolve(s, r.event), cached?.state ?? decider.initialState());
  cache?.set(subject, { state, seq: loaded.lastSeq });
  return { state, seq: loaded.lastSeq };
}
