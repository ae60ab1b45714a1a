import type { WriteFence } from '@keelson/event-store';
import { describeError } from '../runner/describe-error.js';
import type { Worker } from '../runner/module-declaration.js';
import type { RunnerLease } from './runner-lease.js';

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

/**
 * Runs a worker only while this process holds its lease. `start` takes the lease if it is free and
 * starts the runner at once (a start error fails the service's start, as without replicas);
 * otherwise the process stands by and polls. The holder renews; when a renewal fails or its local
 * validity runs out the runner is stopped at once, its open transaction refused by the fence.
 */
export class SingleActive implements Worker {
  readonly name: string;
  private current: Worker | undefined;
  private loop: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: SingleActiveOptions) {
    this.name = o.name;
  }

  async start(): Promise<void> {
    this.o.onHeld(false);
    const acquired = await this.o.lease.tryAcquire();
    // Renewals run from here on, also while the runner starts: a start that waits (a row lock, a slow
    // database) must not let the lease lapse under it.
    this.loop = this.keep();
    if (!acquired) return;
    try {
      await this.beginTenure();
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
    await this.endTenure('stopping', { release: true });
  }

  private async keep(): Promise<void> {
    const { lease } = this.o;
    while (!this.stopping) {
      await this.sleep(this.current ? lease.timing.renewMs : lease.timing.pollMs);
      if (this.stopping) return;
      try {
        if (this.current) {
          if (!(await lease.renew())) await this.endTenure('lost the lease (another process holds it, or it expired)');
          else this.armWatchdog();
        } else if (await lease.tryAcquire()) {
          await this.beginTenure();
        }
      } catch (err) {
        this.o.onError(err); // NATS unreachable: the watchdog stops the runner when the lease lapses
        await this.o.reopenBucket?.().catch(this.o.onError); // or the bucket is gone: the next poll takes a lease in a new one
      }
    }
  }

  private async beginTenure(): Promise<void> {
    const runner = this.o.runner(this.o.lease);
    this.current = runner;
    this.armWatchdog();
    this.o.onHeld(true);
    this.o.log(`took the lease of '${this.name}' (token ${this.o.lease.token}): running it`);
    try {
      await runner.start();
    } catch (err) {
      await this.endTenure(`its start failed: ${describeError(err)}`, { release: true });
      throw err;
    }
  }

  /** Stops the runner; `release` gives the lease up too (it is still ours), else it lapses or is gone already. */
  private async endTenure(why: string, { release = false } = {}): Promise<void> {
    clearTimeout(this.watchdog);
    const runner = this.current;
    if (!runner) return;
    this.current = undefined;
    this.o.onHeld(false);
    await runner.stop();
    if (release) await this.o.lease.release().catch(this.o.onError);
    this.o.log(`stopped '${this.name}': ${why}`);
  }

  /** Stops the runner the moment the lease may have lapsed, whatever the renewal loop is waiting for. */
  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.current && !this.o.lease.isHeld()) void this.endTenure('the lease lapsed before it was renewed').catch(this.o.onError);
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
