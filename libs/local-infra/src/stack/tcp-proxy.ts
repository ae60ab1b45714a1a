import { createServer, connect, type Socket } from 'node:net';

/** One listening address in front of several replicas of a service, as a Kubernetes Service is. */
export interface TcpProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on `host:port` and hands each connection to the next backend port in turn; a backend
 * that refuses (its replica is down) is skipped, so clients reach whichever replica is alive.
 * Bytes pass through untouched: TLS ends at the replica, as with a passthrough load balancer.
 */
export async function startTcpProxy(host: string, port: number, backends: number[]): Promise<TcpProxy> {
  if (!backends.length) throw new Error('a proxy needs at least one backend');
  let next = 0;
  const open = new Set<Socket>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
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
      client.pipe(upstream).pipe(client);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
