/**
 * The per-device timeout clock of one assigned device. It runs while the device is reachable and
 * stands still while the gateway says it is not: a silent device neither blocks the rollout nor
 * fails for being offline, and the time it spent reachable still counts when it comes back.
 */
export interface DeviceClock {
  /** Milliseconds the device spent reachable before `runningSince` (or before it went silent). */
  spentMs: number;
  /** When the clock last started; null while the device is unreachable. */
  runningSince: string | null;
}

const ms = (iso: string) => Date.parse(iso);

/** A clock for a device assigned at `at`, running unless the device is known to be unreachable. */
export const startedClock = (at: string, reachable: boolean): DeviceClock => ({ spentMs: 0, runningSince: reachable ? at : null });

/** The device went silent at `at`: bank the time it ran. */
export function stoppedClock(clock: DeviceClock, at: string): DeviceClock {
  if (clock.runningSince === null) return clock;
  return { spentMs: clock.spentMs + Math.max(0, ms(at) - ms(clock.runningSince)), runningSince: null };
}

/** The device is back at `at`: the clock runs again from there. */
export function resumedClock(clock: DeviceClock, at: string): DeviceClock {
  return clock.runningSince === null ? { ...clock, runningSince: at } : clock;
}

/** When the device times out, or null while its clock stands still. */
export function deadlineOf(clock: DeviceClock, timeoutSeconds: number): string | null {
  if (clock.runningSince === null) return null;
  return new Date(ms(clock.runningSince) + timeoutSeconds * 1000 - clock.spentMs).toISOString();
}
