/**
 * Starts two things at once for a spec's `beforeAll`. Unlike `Promise.all`, each one that started is
 * handed to `keep` even when the other failed, so the spec's `afterAll` stops it instead of leaving
 * a platform or a registry running after the file; then the first failure is thrown.
 */
export async function startedTogether<A, B>(
  a: Promise<A>,
  b: Promise<B>,
  keep: (a: A | undefined, b: B | undefined) => void,
): Promise<void> {
  const [first, second] = await Promise.allSettled([a, b]);
  keep(first.status === 'fulfilled' ? first.value : undefined, second.status === 'fulfilled' ? second.value : undefined);
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
}

/**
 * Starts a case's slow part at once, from `beforeAll`, so that its waiting (a timeout, a max
 * duration) overlaps the cases that run before it; the case itself awaits the returned function.
 * A failure is kept until then, so it fails that case and is never an unhandled rejection.
 */
export function startedEarly<T>(run: () => Promise<T>): () => Promise<T> {
  const outcome = run().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return async () => {
    const settled = await outcome;
    if (!settled.ok) throw settled.error;
    return settled.value;
  };
}
