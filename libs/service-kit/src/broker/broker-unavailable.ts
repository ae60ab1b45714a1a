import { JetStreamApiError } from '@nats-io/jetstream';
import { StaleReadError } from '@keelson/event-store';
import type { ReplyError } from '@keelson/requests';
import { ClosedConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';

/**
 * JetStream API error codes (nats-server `server/errors.json`) a cluster answers while it changes
 * hands: no meta leader yet, a stream group between leaders, results from a partial cluster. The
 * same request succeeds a few seconds later. `JetStreamApiCodes` of @nats-io/jetstream names only
 * the codes the client itself branches on, so these are named here.
 */
export const clusterTransitionCodes = {
  /** JSClusterIncompleteErr: "incomplete results". */
  ClusterIncomplete: 10004,
  /** JSClusterNotAvailErr: "JetStream system temporarily unavailable" (meta group without a leader). */
  ClusterNotAvailable: 10008,
  /** JSClusterNotLeaderErr: "JetStream cluster can not handle request" (asked during an election). */
  ClusterNotLeader: 10009,
} as const;

const transitionCodes: ReadonlySet<number> = new Set(Object.values(clusterTransitionCodes));

/** How deep wrapped errors are looked into (an append wraps the server's answer, a request its cause). */
const maxCauseDepth = 4;

function isTransientItself(err: Error): boolean {
  // A request nobody answered in time, or nobody was subscribed to: a server or service restarting.
  // (A JetStream API request without responders, JetStream restarting or without quorum, is thrown
  // as `JetStreamNotEnabled` with such a RequestError as its cause; "not enabled for the account",
  // its other cause, is configuration and stays a 500.)
  if (err instanceof TimeoutError || err instanceof NoRespondersError) return true;
  if (err instanceof RequestError && err.isNoResponders()) return true;
  if (err instanceof JetStreamApiError) return transitionCodes.has(err.code);
  // A replica answering reads stayed behind the stream's leader (catching up after a restart).
  if (err instanceof StaleReadError) return true;
  // This replica's connection is going away (shutdown, drain): another replica can answer.
  return err instanceof ClosedConnectionError || err instanceof DrainingConnectionError;
}

/**
 * Whether `err` (or an error it wraps) is the broker being briefly unavailable rather than a fault
 * of ours: the request may be repeated once the server, the cluster's leader or JetStream is back.
 * Known by the error classes and API codes of @nats-io/* v3, never by message text.
 */
export function isBrokerUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < maxCauseDepth && current instanceof Error; depth++) {
    if (isTransientItself(current)) return true;
    current = (current as Error).cause;
  }
  return false;
}

/** Seconds a client is told to wait before it asks again after a broker outage (`Retry-After`). */
export const brokerRetryAfterSeconds = 2;

/** What a caller is told when the broker was briefly unavailable: `Unavailable`, so an edge answers 503. */
export const brokerUnavailableReply: ReplyError = {
  kind: 'Unavailable',
  code: 'broker.unavailable',
  message: 'the message broker is briefly unavailable (a server restarting or a leader election); try again shortly',
};
