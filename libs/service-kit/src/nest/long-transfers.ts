import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** A connection that moves no byte for this long is closed; an interrupted upload then loses its temp file. */
export const idleSocketMs = 120_000;

/**
 * Node closes any request that takes longer than 5 minutes in total (`requestTimeout`): a model of a
 * few GiB uploaded over an ordinary link takes longer than that, and a device on a slow link may take
 * as long to download it. Only idleness is limited instead.
 */
export function allowLongTransfers(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  server.requestTimeout = 0;
  server.setTimeout(idleSocketMs);
}
