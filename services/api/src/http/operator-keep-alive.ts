import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/**
 * How long the api keeps an operator's idle connection open. Node's default (5 s) races clients
 * that keep idle connections for 4 s (undici, behind `fetch`: the server's hint minus 1 s): a client
 * whose event loop stalls past the gap sends its next request on a connection the api has just
 * closed, and gets "other side closed" for a request that never arrived. A minute moves that race to
 * clients idle for a minute, where it is rare; operators' connections are few, so holding them costs
 * nothing that matters. Not for the facade: thousands of idle device sockets would cost memory there.
 */
export const operatorKeepAliveMs = 65_000;

/** Applies `operatorKeepAliveMs`; the headers timeout stays above it, as Node requires. */
export function keepOperatorConnectionsAlive(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = operatorKeepAliveMs;
  server.headersTimeout = operatorKeepAliveMs + 1_000;
}
