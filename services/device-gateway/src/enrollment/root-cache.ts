import type { Clock } from '@keelson/service-kit';
import { sharedRootQuery, type RootQuery } from './shared-root-query.js';

export interface RootCacheOptions {
  clock: Clock;
  /** Longest a root is kept even with the feed silent: the bound if the feed lags unseen. 5 s by default. */
  ttlMs?: number;
  /** Most fleets whose root is kept; past it the memory starts over. 10,000 by default. */
  maxFleets?: number;
}

interface KeptRoot {
  root: Record<string, unknown>;
  until: number;
}

/**
 * The fleets' current signed roots, kept in the gateway so that a burst of enrollments asks the
 * signer once per fleet, not once per device. The signer announces every change of a fleet's TUF
 * repository, a new root included, as an event on `ev.tuf.<fleet>.repository`; `RootFeed` follows
 * them and calls `announce`, which forgets the fleet's root. A root is kept only if the feed was
 * following when it was asked for and nothing was announced while the signer answered, so a kept
 * root is never older than the last announcement the gateway saw. While the feed is not following
 * (before it starts, after it failed) nothing is kept and every enrollment asks the signer.
 */
export class RootCache {
  private readonly roots = new Map<string, KeptRoot>();
  /** Counts announcements and losses: an answer asked for before the latest one is not kept. */
  private changes = 0;
  private isFollowing = false;
  private readonly ttlMs: number;
  private readonly maxFleets: number;
  private readonly ask: RootQuery;

  constructor(
    query: RootQuery,
    private readonly o: RootCacheOptions,
  ) {
    this.ttlMs = o.ttlMs ?? 5_000;
    this.maxFleets = o.maxFleets ?? 10_000;
    // Concurrent misses share one request; the check is taken when that request leaves.
    this.ask = sharedRootQuery(async (fleet, correlationId) => {
      const asked = this.isFollowing ? this.changes : undefined;
      const root = await query(fleet, correlationId);
      if (asked !== undefined && asked === this.changes) this.keep(fleet, root);
      return root;
    });
  }

  /** The fleet's current signed root: kept, or asked of the signer. */
  readonly rootOf: RootQuery = (fleet, correlationId) => {
    const kept = this.roots.get(fleet);
    if (kept && kept.until > this.o.clock.now().getTime()) return Promise.resolve(kept.root);
    return this.ask(fleet, correlationId);
  };

  /** The feed follows the signer's stream: every TUF event from now on will be announced. */
  following(): void {
    this.isFollowing = true;
  }

  /** The signer changed the fleet's repository (perhaps its root): ask again. */
  announce(fleet: string): void {
    this.changes++;
    this.roots.delete(fleet);
  }

  /** The feed stopped following: news may be missed, so nothing is kept until it follows again. */
  lost(): void {
    this.isFollowing = false;
    this.changes++;
    this.roots.clear();
  }

  private keep(fleet: string, root: Record<string, unknown>): void {
    if (this.roots.size >= this.maxFleets) this.roots.clear();
    this.roots.set(fleet, { root, until: this.o.clock.now().getTime() + this.ttlMs });
  }
}
