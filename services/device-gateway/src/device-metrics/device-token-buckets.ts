/** How many windows a device may send: `burst` at once, then one every `refillMs`. */
export interface RateLimit {
  burst: number;
  refillMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per device, in this replica's memory. A device that sends faster than its rate has
 * the excess dropped; one that keeps to it never is. Buckets full again are forgotten on the next
 * sweep, so memory follows the devices sending right now, not the fleet.
 */
export class DeviceTokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(private readonly limit: RateLimit) {
    if (!(limit.burst >= 1 && limit.refillMs > 0))
      throw new Error(`a rate limit needs a burst of at least 1 and a refill time above 0, got ${JSON.stringify(limit)}`);
  }

  /** Takes one token for `deviceId` at `now` (ms); false when its bucket is empty. */
  take(deviceId: string, now: number): boolean {
    this.sweep(now);
    const bucket = this.buckets.get(deviceId) ?? { tokens: this.limit.burst, at: now };
    const tokens = Math.min(this.limit.burst, bucket.tokens + Math.max(0, now - bucket.at) / this.limit.refillMs);
    if (tokens < 1) {
      this.buckets.set(deviceId, { tokens, at: now });
      return false;
    }
    this.buckets.set(deviceId, { tokens: tokens - 1, at: now });
    return true;
  }

  /** Devices with a bucket not yet full again. */
  get tracked(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const fullAfter = this.limit.burst * this.limit.refillMs;
    if (now - this.lastSweep < fullAfter) return;
    this.lastSweep = now;
    for (const [deviceId, b] of this.buckets) if (now - b.at >= fullAfter) this.buckets.delete(deviceId);
  }
}
