import { ConcurrencyError, decideAndEvolve, type Decider, type Decision } from '@keelson/domain-kit';
import { loadAggregate, type AggregateCache, type CachedAggregate } from './aggregate-cache.js';
import type { AppendResult } from './append.js';
import type { EventStore } from './event-store.js';
import type { EventMetadata } from './headers.js';

/** Everything needed to run one command against one aggregate. */
export interface HandleCommandInput<C, E extends { type: string }, S> {
  store: EventStore<E>;
  subject: string;
  decider: Decider<C, E, S>;
  command: C;
  meta: EventMetadata;
  cache?: AggregateCache<S>;
  /** Total tries on a state read from the stream, the first included (emmett's default is 3 retries).
   *  A try on a cached state comes before them and is not counted. */
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
 * decide -> append in one round trip on a cache hit, else load -> decide -> append, retried on
 * ConcurrencyError with jittered backoff. A DomainError from `decide` on a state read from the stream
 * propagates once the stream's leader has nothing newer (a replicated stream's reads may lag); after
 * the last failed try the ConcurrencyError propagates (a 409). The outcome's state is never older than
 * the stream was when the command was decided.
 */
export async function handleCommand<C, E extends { type: string }, S>(req: HandleCommandInput<C, E, S>): Promise<CommandOutcome<E, S>> {
  const cached = req.cache?.get(req.subject);
  const fast = cached ? await appendOnCachedState(req, cached) : undefined;
  return fast ?? loadDecideAppend(req);
}

/**
 * Decides on the cached state and appends against its sequence without reading first: the sequence
 * check proves the state was the latest, so only a conflict costs a read. That proof comes with
 * events only. A decision without any (already satisfied) or a refusal may rest on events the cache
 * has not seen (another replica, another code path), so it is not answered here: undefined sends the
 * command to the read path, which confirms it when nothing came after the cached sequence.
 */
async function appendOnCachedState<C, E extends { type: string }, S>(
  req: HandleCommandInput<C, E, S>,
  cached: CachedAggregate<S>,
): Promise<CommandOutcome<E, S> | undefined> {
  const { store, subject, decider, command, meta, cache } = req;
  let decision: Decision<E, S>;
  try {
    decision = decideAndEvolve(decider, command, cached.state);
  } catch {
    return undefined; // refused on a state that may be stale: decided again on the stream's
  }
  const { events, state } = decision;
  if (events.length === 0) return undefined;
  try {
    const append = await store.append(subject, cached.seq, events, meta);
    // An earlier try of this command was stored, maybe after the cached sequence (the server finds a
    // batch's duplicate before checking its sequence): the state after it is read, not guessed.
    if (!append || append.duplicate) return undefined;
    cache?.set(subject, { state, seq: append.lastSeq });
    return { events, state, append };
  } catch (err) {
    if (err instanceof ConcurrencyError) return undefined; // someone appended after the cached sequence
    throw err;
  }
}

async function loadDecideAppend<C, E extends { type: string }, S>(req: HandleCommandInput<C, E, S>): Promise<CommandOutcome<E, S>> {
  const { store, subject, decider, command, meta, cache, maxAttempts = 4 } = req;
  let through = 0;
  for (let attempt = 1; ; attempt++) {
    const { state, seq } = await loadAggregate(store, subject, decider, cache, { through });
    let decision: Decision<E, S>;
    try {
      decision = decideAndEvolve(decider, command, state);
    } catch (refusal) {
      // A refusal is answered only on the newest state: a replica's read may have missed events (see
      // consistent-read.ts); an append's sequence check proves it, a refusal appends nothing.
      through = await newerSeq(store, subject, seq);
      if (through === 0 || attempt >= maxAttempts) throw refusal;
      continue;
    }
    const { events, state: after } = decision;
    if (events.length === 0) {
      through = await newerSeq(store, subject, seq); // "already done" holds only on the newest state, as a refusal
      if (through === 0 || attempt >= maxAttempts) return { events, state, append: null };
      continue;
    }
    try {
      const append = await store.append(subject, seq, events, meta);
      if (append && !append.duplicate) cache?.set(subject, { state: after, seq: append.lastSeq });
      return { events, state: append?.duplicate ? state : after, append };
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= maxAttempts) throw err;
      await pause(5 * 2 ** attempt + Math.random() * 10 * attempt);
    }
  }
}

/** The stream leader's last sequence of the aggregate when it is past `seq` (the state decided on), else 0. */
async function newerSeq(store: EventStore<{ type: string }>, subject: string, seq: number): Promise<number> {
  const latest = await store.latestSeq(subject);
  return latest > seq ? latest : 0;
}
