import { createServer, connect, type Socket } from 'node:net';

/** One listening address in front of several replicas of a service, as a Kubernetes Service is. */
export interface TcpProxy {
  port: number;
  /** Bytes passed from the backends to clients so far (TLS records included). */
  readonly bytesToClients: number;
  /** Connections interrupted so far (see `TcpProxyOptions.interrupt`). */
  readonly interrupted: number;
  close(): Promise<void>;
}

/**
 * A bad network between clients and the backends: the next `times` connections that carry
 * `afterBytes` bytes towards their client are interrupted there, mid-answer. `drop` closes the
 * client's end and destroys both (the client sees its answer cut off); `stall` stops passing the
 * answer and keeps the connection open (the client waits, as on a link that went dead).
 */
export interface TcpProxyOptions {
  interrupt?: { afterBytes: number; times: number; how: 'drop' | 'stall' };
}

/**
 * Listens on `host:port` and hands each connection to the next backend port in turn; a backend
 * that refuses (its replica is down) is skipped, so clients reach whichever replica is alive.
 * Bytes pass through untouched: TLS ends at the replica, as with a passthrough load balancer.
 */
export async function startTcpProxy(host: string, port: number, backends: number[], options: TcpProxyOptions = {}): Promise<TcpProxy> {
  if (!backends.length) throw new Error('a proxy needs at least one backend');
  const interrupt = options.interrupt ? { ...options.interrupt } : undefined;
  const counts = { bytesToClients: 0, interrupted: 0 };
  let next = 0;
  const open = new Set<Socket>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  /** Passes what the backend answers to the client, counting it, and interrupts where `interrupt` says. */
  const relay = (upstream: Socket, client: Socket): void => {
    let carried = 0;
    let stopped = false;
    upstream.on('data', (chunk: Buffer) => {
      if (stopped) return;
      const cutAt = interrupt && counts.interrupted < interrupt.times ? interrupt.afterBytes : Infinity;
      const part = carried + chunk.length >= cutAt ? chunk.subarray(0, cutAt - carried) : chunk;
      carried += part.length;
      counts.bytesToClients += part.length;
      const more = client.write(part);
      if (part !== chunk) {
        counts.interrupted += 1;
        stopped = true;
        upstream.pause();
        if (interrupt!.how === 'drop') client.end(() => [client, upstream].forEach((s) => s.destroy()));
        return;
      }
      if (!more) upstream.pause();
    });
    client.on('drain', () => stopped || upstream.resume());
    upstream.once('end', () => client.end());
  };
  const dial = (client: Socket, attemptsLeft: number): void => {
    const backend = backends[next++ % backends.length]!;
    const upstream = connect({ host, port: backend });
    track(upstream);
    let connected = false;
    upstream.on('error', () => {
      if (!connected && attemptsLeft > 1 && !client.destroyed) return dial(client, attemptsLeft - 1);
      client.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      client.on('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.pipe(upstream);
      relay(upstream, client);
    });
  };
  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => client.destroy());
    dial(client, backends.length);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port,
    get bytesToClients() {
      return counts.bytesToClients;
    },
    get interrupted() {
      return counts.interrupted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
