import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { WriteFence } from '@keelson/event-store';

/** How long a lease lives without renewal, and how its holder and the standbys pace themselves. */
export interface LeaseTiming {
  /** The bucket's max_age: a key not renewed for this long is gone and can be taken. */
  ttlMs: number;
  /** How often the holder renews (compare-and-set on the revision). */
  renewMs: number;
  /** How often a standby looks whether the lease is free. */
  pollMs: number;
  /**
   * How much sooner than the server the holder counts its lease as lapsed: covers a slow renewal
   * answer and clock-rate drift, and must exceed `FENCED_IDLE_MS` (see libs/event-store).
   */
  marginMs: number;
}

/**
 * A SIGKILLed holder's lease is taken over within ttl + poll (7 s). The holder renews every second
 * of its local validity (3.5 s): a renewal may come 2.5 s late (an event loop stalled, a round trip
 * slow on a loaded machine) before the holder counts its lease lapsed, and a lapse costs only the
 * tenure (the runner starts again at the next renewal, see `SingleActive`), not the lease.
 */
export const LEASE_TIMING: LeaseTiming = { ttlMs: 6_000, renewMs: 1_000, pollMs: 1_000, marginMs: 2_500 };

// A create or compare-and-set that found another revision: someone else holds (or took) the lease.
const conflictCodes: number[] = [JetStreamApiCodes.StreamWrongLastSequence, JetStreamApiCodes.StreamWrongLastSequenceUnknown];
const isConflict = (err: unknown) => err instanceof JetStreamApiError && conflictCodes.includes(err.code);

/**
 * One runner's lease: one key in the service's lease bucket whose value names the holder. Taken with
 * `create` (only when absent), renewed with `update` on the last revision, released with a delete on
 * it; the revision at which it was taken is the fencing token. Validity is counted on this process's
 * monotonic clock from when each request was sent, so the holder gives up before the server can
 * hand the key to anyone else.
 */
export class RunnerLease implements WriteFence {
  private revision = 0;
  private validUntil = 0;
  token = 0;

  constructor(
    private readonly kv: KV,
    readonly key: string,
    readonly holder: string,
    readonly timing: LeaseTiming = LEASE_TIMING,
  ) {}

  /**
   * Takes the lease when nobody holds it, or when its key still names this holder (a tenure that ended
   * without giving it up, a create whose answer was lost); true when this process holds it now.
   */
  async tryAcquire(): Promise<boolean> {
    const sent = performance.now();
    try {
      this.revision = await this.kv.create(this.key, this.holder);
    } catch (err) {
      if (!isConflict(err)) throw err;
      if (!(await this.reclaim())) return false;
    }
    this.token = this.revision;
    this.validUntil = sent + this.timing.ttlMs - this.timing.marginMs;
    return true;
  }

  /**
   * Renews the lease held; false when it was lost (it expired, or another process took it). A renewal
   * whose answer was lost (a timeout under load) moved the revision on: the next one finds the key
   * still naming this holder and goes on from there, instead of counting the lease lost.
   */
  async renew(): Promise<boolean> {
    const sent = performance.now();
    try {
      this.revision = await this.kv.update(this.key, this.holder, this.revision);
    } catch (err) {
      if (!isConflict(err)) throw err;
      if (!(await this.reclaim())) {
        this.validUntil = 0;
        return false;
      }
    }
    this.validUntil = sent + this.timing.ttlMs - this.timing.marginMs;
    return true;
  }

  /**
   * Compare-and-set on the key's revision when its value names this holder. Safe: only this object
   * writes this holder's id, and within a tenure only by compare-and-set, so nobody else held the lease
   * since; the update fails if anyone wrote the key after it was read (a stale read is refused too).
   */
  private async reclaim(): Promise<boolean> {
    const entry = await this.kv.get(this.key);
    if (!entry || entry.operation !== 'PUT' || entry.string() !== this.holder) return false;
    try {
      this.revision = await this.kv.update(this.key, this.holder, entry.revision);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  isHeld(): boolean {
    return performance.now() < this.validUntil;
  }

  /** Milliseconds until the holder must count the lease as lapsed (0 when not held). */
  remainingMs(): number {
    return Math.max(0, this.validUntil - performance.now());
  }

  /** Gives the lease up at once (a graceful stop), so a standby need not wait for it to expire. */
  async release(): Promise<void> {
    if (!this.isHeld()) return;
    this.validUntil = 0;
    try {
      await this.kv.delete(this.key, { previousSeq: this.revision });
    } catch (err) {
      if (!isConflict(err)) throw err; // already someone else's
    }
  }
}
