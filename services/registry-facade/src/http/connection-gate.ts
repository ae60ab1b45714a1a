import type { Server, Socket } from 'node:net';
import { numberSetting, type ServiceConfig } from '@keelson/service-kit';

/**
 * `KEELSON_FACADE_MAX_CONNECTIONS` (default 300): how many connections the facade serves at once.
 * Each open TLS connection holds ~85–150 KiB of native memory (OpenSSL's and Node's buffers), and
 * glibc keeps the peak: in a 2,000-device rollout 500 took the facade to 297 MiB, 300 to 265 MiB,
 * as fast (bench/README.md, "The facade's connections and memory").
 */
export function maxConnectionsOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_FACADE_MAX_CONNECTIONS', { default: 300, min: 1, max: 1_000_000 });
}

const installed = Symbol('keelson.connection-gate');

/**
 * Serves at most `limit` connections at once: a connection beyond it is accepted by the kernel and
 * Node but waits, before its TLS handshake, until one of the served connections closes (first come,
 * first served). A waiting connection costs a descriptor and a few KiB (its ClientHello, kept
 * for the handshake), not TLS buffers; the client sees a slow handshake, not a refusal, so a
 * rollout's whole wave arriving at once raises the facade's latency, not its memory. A waiting
 * client that gives up is dropped from the queue.
 */
export class ConnectionGate {
  private served = 0;
  private shut = false;
  /** Waiting connections, oldest first, each with what undoes the waiting (listeners, bytes read). */
  private readonly waiting = new Map<Socket, () => void>();

  constructor(
    private readonly limit: number,
    private readonly serve: (socket: Socket) => void,
  ) {}

  /** Connections being served now, and waiting for their turn. */
  get counts(): { served: number; waiting: number } {
    return { served: this.served, waiting: this.waiting.size };
  }

  offer(socket: Socket): void {
    if (this.served < this.limit) return this.admit(socket);
    if (this.shut) return void socket.destroy();
    // What the client sent (its ClientHello) is kept and handed back at admission. Reading it also
    // lets a client that gives up end the socket ('end', then 'close'): unread bytes would hold it open.
    const sent: Buffer[] = [];
    const keep = (chunk: Buffer) => void sent.push(chunk);
    const drop = () => void this.waiting.delete(socket);
    socket.on('data', keep);
    socket.on('error', drop); // a reset while waiting: nothing to serve, and no unhandled error
    socket.on('close', drop);
    this.waiting.set(socket, () => {
      socket.off('data', keep);
      socket.off('error', drop);
      socket.off('close', drop);
      socket.pause();
      if (sent.length) socket.unshift(Buffer.concat(sent)); // the TLS socket reads what is buffered first
    });
  }

  /**
   * The server is closing: waiting connections are closed now (`server.close()` would wait for them
   * forever, they are no request it can finish), and so is any new one beyond the limit.
   */
  close(): void {
    this.shut = true;
    for (const socket of this.waiting.keys()) socket.destroy();
    this.waiting.clear();
  }

  private admit(socket: Socket): void {
    this.served += 1;
    socket.once('close', () => {
      this.served -= 1;
      this.next();
    });
    this.serve(socket);
  }

  private next(): void {
    for (const [socket, release] of this.waiting) {
      if (this.served >= this.limit) return;
      this.waiting.delete(socket);
      release();
      if (!socket.destroyed) this.admit(socket);
    }
  }
}

/**
 * Puts a ConnectionGate in front of an HTTP(S) server's own handling of new connections (for
 * HTTPS, the TLS handshake): the server's `connection` listeners run when the gate lets a
 * connection through. Installed once per server; returns the gate.
 */
export function gateConnections(server: Server & { [installed]?: ConnectionGate }, limit: number): ConnectionGate {
  const existing = server[installed];
  if (existing) return existing;
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const gate = new ConnectionGate(limit, (socket) => {
    for (const listener of listeners) listener.call(server, socket);
  });
  server.on('connection', (socket: Socket) => gate.offer(socket));
  server[installed] = gate;
  return gate;
}
