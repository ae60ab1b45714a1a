import { ConcurrencyError, type Decider } from '@keelson/domain-kit';
import type { AggregateCache } from './aggregate-cache.js';
import type { AppendResult } from './append.js';
import type { EventStore } from './event-store.js';
import type { EventMetadata } from './headers.js';

/** Everything needed to run one command against one aggregate. */
export interface CommandRequest<C, E extends { type: string }, S> {
  store: EventStore<E>;
  subject: string;
  decider: Decider<C, E, S>;
  command: C;
  meta: EventMetadata;
  cache?: AggregateCache<S>;
  /** Total tries, the first included (emmett's default is 3 retries). */
  maxAttempts?: number;
}

/** What a command did: the events it appended (none if already satisfied) and the state after. */
export interface CommandOutcome<E, S> {
  events: E[];
  state: S;
  append: AppendResult | null;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * load -> decide -> append, retried on ConcurrencyError with jittered backoff. A DomainError from
 * `decide` propagates at once; after the last failed try the ConcurrencyError propagates (a 409).
 */
export async function handleCommand<C, E extends { type: string }, S>(req: CommandRequest<C, E, S>): Promise<CommandOutcome<E, S>> {
  const { store, subject, decider, command, meta, cache, maxAttempts = 4 } = req;
  for (let attempt = 1; ; attempt++) {
    const cached = cache?.get(subject);
    const loaded = await store.load(subject, cached?.seq ?? 0);
    const state = loaded.events.reduce((s, r) => decider.evolve(s, r.event), cached?.state ?? decider.initialState());
    cache?.set(subject, { state, seq: loaded.lastSeq });
    const events = decider.decide(command, state);
    if (events.length === 0) return { events, state, append: null };
    try {
      const append = await store.append(subject, loaded.lastSeq, events, meta);
      const after = events.reduce(decider.evolve, state);
      if (append && !append.duplicate) cache?.set(subject, { state: after, seq: append.lastSeq });
      return { events, state: append?.duplicate ? state : after, append };
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= maxAttempts) throw err;
      await pause(5 * 2 ** attempt + Math.random() * 10 * attempt);
    }
  }
}
