/** How long `eventually` keeps checking, and what it names when it gives up. */
export interface Patience {
  /** Gives up after this many milliseconds (30 s, or a minute for a named wait). */
  ms?: number;
  /** Named in the error when time runs out. */
  what?: string;
}

type Check<T> = () => T | Promise<T>;
type Found<T> = Exclude<T, false | undefined>;

// The first checks come quickly (most conditions hold within milliseconds in a spec); a wait that
// lasts grows its pause so that a slow platform is not flooded with requests by its own tests.
const firstPauseMs = 25;
const longestPauseMs = 200;

/**
 * Checks `check` until it returns something other than `false` or `undefined`, and returns that;
 * throws after `ms`, naming `what`. An error thrown by `check` ends the wait at once. A named wait (`eventually('rollout finished', check)`) is the
 * platform form: it waits a minute unless told otherwise.
 */
export function eventually<T>(check: Check<T>, patience?: number | Patience): Promise<Found<T>>;
export function eventually<T>(what: string, check: Check<T>, ms?: number): Promise<Found<T>>;
export async function eventually<T>(first: string | Check<T>, second?: Check<T> | number | Patience, third?: number): Promise<Found<T>> {
  const { check, ms, what } =
    typeof first === 'string'
      ? { check: second as Check<T>, ms: third ?? 60_000, what: first }
      : { check: first, ...patienceOf(second as number | Patience | undefined) };
  const end = Date.now() + ms;
  let pause = firstPauseMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value as Found<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, longestPauseMs);
  }
}

function patienceOf(patience: number | Patience | undefined): { ms: number; what: string } {
  const { ms = 30_000, what = 'the condition' } = typeof patience === 'number' ? { ms: patience } : (patience ?? {});
  return { ms, what };
}
