import type { WriteFence } from '@keelson/event-store';
import type { RunnerLease } from './runner-lease.js';

/**
 * The fence of one tenure (one run of a runner under the lease): the lease's token when the tenure
 * began, held while the lease is and the tenure has not ended. A runner that stopped because the fence
 * refused it says so once (`refused`), and `onRefused` ends the tenure.
 */
export class TenureFence implements WriteFence {
  readonly token: number;
  /** Set once the tenure's runner has stopped: from then on nothing of it may commit, whoever holds the lease. */
  ended = false;
  /** Why the runner stopped itself, once it did. */
  refusedFor: string | undefined;

  constructor(
    private readonly lease: RunnerLease,
    private readonly onRefused: () => void,
  ) {
    this.token = lease.token;
  }

  isHeld(): boolean {
    return !this.ended && this.lease.isHeld();
  }

  refused(why: string): void {
    if (this.ended || this.refusedFor !== undefined) return;
    this.refusedFor = why;
    this.onRefused();
  }
}
