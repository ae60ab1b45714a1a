import { NatsConnectionImpl, setTransportFactory, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';

/**
 * nats.js's socket transport, writing at most once per event-loop turn.
 *
 * nats.js flushes its outbound buffer on a microtask after the first command of a turn, so a service
 * handling many messages at once (each handler finishing after its own database reply) writes the
 * socket once per finished handler: a publish, an ack, a reply each cost a `write` system call, and
 * nats-server a read. Here the first write of a turn corks the socket and `setImmediate` uncorks it
 * after the turn's I/O callbacks have run: everything written meanwhile leaves in one `writev`.
 * Nothing is held longer than the turn in which it was written, and every write's callback still
 * fires once it reached the socket.
 */
export class CoalescingTransport extends NodeTransport {
  private corked = false;

  override send(frame: Uint8Array): void {
    const socket = this.socket as NodeTransport['socket'] | undefined;
    if (socket && !this.corked && !socket.destroyed) {
      socket.cork();
      this.corked = true;
      setImmediate(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    super.send(frame);
  }
}

/**
 * `connect` from `@nats-io/transport-node`, over a `CoalescingTransport`. nats.js keeps the transport
 * factory in one module-wide slot that its own `connect` sets on every call: a connection opened with
 * the library's `connect` meanwhile may get either transport (both are correct; only this one batches).
 */
export function connectNats(options: NodeConnectionOptions): Promise<NatsConnection> {
  setTransportFactory({ factory: () => new CoalescingTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(options);
}
