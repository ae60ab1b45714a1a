import type { WriteFence } from '@keelson/event-store';
import { describeError } from '../runner/describe-error.js';
import type { Worker } from '../runner/module-declaration.js';
import type { RunnerLease } from './runner-lease.js';
import { TenureFence } from './tenure-fence.js';

export interface SingleActiveOptions {
  name: string;
  lease: RunnerLease;
  /** Builds the runner for one tenure, writing under `fence` (a fresh one each time the lease is taken). */
  runner: (fence: WriteFence) => Worker;
  /** Told when this process takes (true) or loses/gives up (false) the lease. */
  onHeld: (held: boolean) => void;
  log: (line: string) => void;
  onError: (err: unknown) => void;
  /** Makes the lease bucket again if it is gone (deleted, lost); called after a failed renewal or poll. */
  reopenBucket?: () => Promise<void>;
}

/** One run of the runner under the lease, with a fence of its own. */
interface Tenure {
  runner: Worker;
  fence: TenureFence;
}

/**
 * Runs a worker only while this process holds its lease. `start` takes the lease if it is free and
 * starts the runner at once (a start error fails the service's start, as without replicas);
 * otherwise the process stands by and polls. The holder renews on its own loop, never waiting for
 * a runner to start or stop. A tenure (one runner, one fence) ends when the lease is lost, when its
 * local validity runs out (the watchdog: the runner's open transaction is refused by the fence), or
 * when the runner stopped itself because its fence refused it; while this process still holds the
 * lease, the next tenure begins at its next renewal, else it stands by. Starts and ends run one at a
 * time, in order.
 */
export class SingleActive implements Worker {
  readonly name: string;
  private current: Tenure | undefined;
  /** This process took the lease and renews it, whether or not a runner runs under it right now. */
  private holding = false;
  private changes: Promise<void> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: SingleActiveOptions) {
    this.name = o.name;
  }

  async start(): Promise<void> {
    this.o.onHeld(false);
    this.holding = await this.o.lease.tryAcquire();
    // Renewals run from here on, also while the runner starts: a start that waits (a row lock, a slow
    // database) must not let the lease lapse under it.
    this.loop = this.keep();
    if (!this.holding) return;
    this.armWatchdog();
    const starting = this.beginTenure();
    this.changes = starting.catch(() => undefined);
    try {
      await starting;
    } catch (err) {
      // The service's start fails: no standby loop may live on to take the lease and start it later.
      this.stopping = true;
      this.wake?.();
      await this.loop;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.changes;
    clearTimeout(this.watchdog);
    await this.endTenure('stopping');
    if (this.holding) await this.giveUp();
  }

  private async keep(): Promise<void> {
    const { lease } = this.o;
    while (!this.stopping) {
      await this.sleep(this.holding ? lease.timing.renewMs : lease.timing.pollMs);
      if (this.stopping) return;
      try {
        this.holding = this.holding ? await lease.renew() : await lease.tryAcquire();
        if (this.holding) this.armWatchdog();
        this.settle();
      } catch (err) {
        this.o.onError(err); // NATS unreachable: the watchdog stops the runner when the lease lapses
        await this.o.reopenBucket?.().catch(this.o.onError); // or the bucket is gone: the next poll takes a lease in a new one
      }
    }
  }

  /**
   * Brings the tenure in line with the lease, after the changes already under way: ends it when the
   * lease is lost or lapsed or its runner was refused; begins one when the lease is held and none runs.
   */
  private settle(): void {
    this.changes = this.changes.then(() => this.align()).catch(this.o.onError);
  }

  private async align(): Promise<void> {
    if (this.stopping) return;
    const tenure = this.current;
    if (tenure && !this.holding) await this.endTenure('lost the lease (another process holds it, or it expired)');
    else if (tenure && !this.o.lease.isHeld()) await this.endTenure('the lease lapsed before it was renewed');
    else if (tenure?.fence.refusedFor) await this.endTenure(`its fence refused it: ${tenure.fence.refusedFor}`);
    else if (!tenure && this.holding && this.o.lease.isHeld()) await this.beginTenure();
  }

  private async beginTenure(): Promise<void> {
    const { lease } = this.o;
    const fence = new TenureFence(lease, () => this.settle());
    const tenure: Tenure = { runner: this.o.runner(fence), fence };
    this.current = tenure;
    this.o.onHeld(true);
    this.o.log(`took the lease of '${this.name}' (token ${lease.token}): running it`);
    try {
      await tenure.runner.start();
    } catch (err) {
      await this.endTenure(`its start failed: ${describeError(err)}`);
      await this.giveUp();
      throw err;
    }
  }

  /** Stops the runner; the lease stays as it is (renewed, lapsing or gone). */
  private async endTenure(why: string): Promise<void> {
    const tenure = this.current;
    if (!tenure) return;
    this.current = undefined;
    this.o.onHeld(false);
    try {
      await tenure.runner.stop();
    } finally {
      tenure.fence.ended = true;
      this.o.log(`stopped '${this.name}': ${why}`);
    }
  }

  /** Gives the lease up at once (it is still ours, or nobody's), so that a standby need not wait for it to expire. */
  private async giveUp(): Promise<void> {
    this.holding = false;
    await this.o.lease.release().catch(this.o.onError);
  }

  /** Ends the tenure the moment the lease may have lapsed, whatever the renewal loop is waiting for. */
  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.current && !this.o.lease.isHeld()) this.settle();
    }, this.o.lease.remainingMs() + 1);
    this.watchdog.unref();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
