import type { JsMsg } from '@nats-io/jetstream';
import type { StreamGap } from './stream-gap.js';
import type { WriteFence } from './write-fence.js';

export interface GapRecoveryOptions {
  /**
   * Present when the runner has its consumer to itself (a single-active runner, under its lease):
   * it may then make that consumer again. Absent for runners that share it (partitioned replicas).
   */
  lease?: Pick<WriteFence, 'isHeld' | 'refused'>;
  retryDelayMs: number;
  /** Deletes the consumer and makes it again from the checkpoint (`ensureDurableConsumer`'s `recreate`). */
  recreate: () => Promise<void>;
  onError?: (err: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What a projection runner does when its batch reaches past an event it has not applied (`StreamGap`).
 *
 * Giving back what lies past the gap (a nak with the retry delay) and waiting creeps: the missing
 * event returns only once its holder's ack wait lapses (a pull lost with a nats-server, a killed
 * process), and what was given back returns a message or two at a time, out of stream order, meets
 * the gap again and goes back again. After a failover that was a few events a second.
 *
 * A runner that has the consumer to itself therefore stops consuming and makes the consumer again
 * from its checkpoint: the new one hands out everything past the checkpoint in stream order, at
 * once, and what a lost pull or an earlier holder still held goes with the old one (fencing keeps
 * such a holder from committing). Runners that share the consumer give back and wait, as the missing
 * event is another replica's to apply. So does a runner whose missing event is one it gave back
 * itself after a failure: that event returns after the retry delay, and keeps the delivery count
 * that makes an event that keeps failing poison.
 */
export class GapRecovery {
  /** Consumers made again after a gap (for tests). */
  readonly restarts = { count: 0 };
  /**
   * What this runner gave back after a failure and has not settled since: from the failed event to the
   * last one given back with it (the rest of its batch and what had arrived behind it).
   */
  private retrying: { from: number; to: number } | undefined;
  private wanted = false;
  private progressed = true;

  constructor(private readonly o: GapRecoveryOptions) {}

  /** The runner met `gap`, `rest` lying past it. True: stop consuming, then call `restart()`. */
  met(gap: StreamGap, rest: JsMsg[]): boolean {
    this.o.onError?.(gap);
    const own = this.retrying !== undefined && gap.missing >= this.retrying.from;
    if (this.o.lease && !own) return (this.wanted = true);
    for (const m of rest) m.nak(this.o.retryDelayMs);
    return false;
  }

  /** The runner gave back the events from `seq` to `upTo` after the one at `seq` failed. */
  gaveBack(seq: number, upTo: number): void {
    this.retrying = { from: Math.min(seq, this.retrying?.from ?? seq), to: Math.max(upTo, this.retrying?.to ?? upTo) };
  }

  /**
   * Everything up to `seq` is applied (or dead-lettered). The failed event dead-lettered is not the
   * end of it: what was given back with it is still on its way back, and a gap before it is still ours.
   */
  settled(seq: number): void {
    if (this.retrying !== undefined && seq >= this.retrying.to) this.retrying = undefined;
    this.progressed = true;
  }

  /**
   * Once the runner stopped consuming for a gap: makes the consumer again, retrying until that
   * succeeds or `stopping()`. False when there is nothing to consume from (not wanted, the runner
   * stops, or the lease lapsed: the next holder starts from the checkpoint).
   */
  async restart(stopping: () => boolean): Promise<boolean> {
    if (!this.wanted) return false;
    this.wanted = false;
    this.retrying = undefined; // what this runner gave back goes with the old consumer
    if (!this.progressed) await sleep(this.o.retryDelayMs); // a gap again with nothing applied: not in a tight loop
    this.progressed = false;
    while (!stopping()) {
      if (!this.o.lease?.isHeld()) {
        this.o.lease?.refused?.('the lease lapsed before the consumer was made again after a gap');
        return false;
      }
      try {
        await this.o.recreate();
        this.restarts.count++;
        return true;
      } catch (err) {
        this.o.onError?.(err);
        await sleep(this.o.retryDelayMs);
      }
    }
    return false;
  }
}
