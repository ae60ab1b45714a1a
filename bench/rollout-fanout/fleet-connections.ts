import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What the simulated fleet (this process) opened and asked over the window, seen through Node's diagnostics channels. */
export interface FleetConnections {
  /** HTTP(S) requests sent (devices to the facade and gateway; the bench's own operator calls use fetch, not counted). */
  httpRequests: number;
  /** New outgoing TCP connections, TLS or not (the bench's few operator API calls included). */
  tcpConnections: number;
  /** TLS handshakes completed: in full, or resuming an earlier session (cheaper: no certificate work). */
  tlsFullHandshakes: number;
  tlsResumedHandshakes: number;
}

/**
 * Counts from now until `stop()`. Node publishes `net.client.socket` for every outgoing socket and
 * `http.client.request.start` for every `http`/`https` request (the agent's `platformFetch`); the
 * bench's operator API calls go through `fetch`, which opens sockets but publishes no request.
 */
export function countFleetConnections(): { stop(): FleetConnections } {
  const counts: FleetConnections = { httpRequests: 0, tcpConnections: 0, tlsFullHandshakes: 0, tlsResumedHandshakes: 0 };
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    counts.tcpConnections++;
    if ((socket as TLSSocket).encrypted) {
      socket.once('secureConnect', () => {
        if ((socket as TLSSocket).isSessionReused()) counts.tlsResumedHandshakes++;
        else counts.tlsFullHandshakes++;
      });
    }
  };
  const onRequest = () => void counts.httpRequests++;
  subscribe('net.client.socket', onSocket);
  subscribe('http.client.request.start', onRequest);
  return {
    stop() {
      unsubscribe('net.client.socket', onSocket);
      unsubscribe('http.client.request.start', onRequest);
      return { ...counts };
    },
  };
}
