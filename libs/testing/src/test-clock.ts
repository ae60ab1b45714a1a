/**
 * The clock a spec hands a service in place of the system clock (it fits service-kit's `Clock`):
 * it reads the system clock until `set`, then stays exactly at the instant it was set to, without
 * ticking, until it is set again or released. An expiry is then judged at an instant the spec names
 * (one millisecond before, exactly at) instead of after a wait that a loaded machine may stretch.
 */
export class TestClock {
  private pinned: number | undefined;

  now(): Date {
    return new Date(this.pinned ?? Date.now());
  }

  /** Stops the clock at `at` and returns that instant. */
  set(at: Date | string | number): Date {
    const ms = new Date(at).getTime();
    if (Number.isNaN(ms)) throw new Error(`not an instant: ${String(at)}`);
    this.pinned = ms;
    return this.now();
  }

  /** Back to the system clock. */
  release(): void {
    this.pinned = undefined;
  }
}
