/** The signer's `get-root` for one fleet: its current signed root. */
export type RootQuery = (fleet: string, correlationId: string) => Promise<Record<string, unknown>>;

/**
 * Concurrent enrollments of one fleet share one `get-root` request: a burst asks the signer once per
 * round trip, not once per device. Nothing is kept after the answer, so an enrollment that starts
 * after it asks again. A device that joins a request in flight gets the root as the signer read it
 * when that request arrived, at most one round trip earlier; a root rotated in that instant reaches
 * the device as any newer root does, through the TUF root chain (TUF spec 5.3). The joiners' requests
 * carry the first one's correlation id.
 */
export function sharedRootQuery(query: RootQuery): RootQuery {
  const inFlight = new Map<string, Promise<Record<string, unknown>>>();
  return (fleet, correlationId) => {
    let pending = inFlight.get(fleet);
    if (!pending) {
      pending = query(fleet, correlationId).finally(() => inFlight.delete(fleet));
      inFlight.set(fleet, pending);
    }
    return pending;
  };
}
