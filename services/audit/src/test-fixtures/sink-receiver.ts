import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST as the receiver saw it, and what it answered. */
export interface ReceivedDelivery {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/** How the receiver answers one request: a status, or `hold` to keep it open until `releaseHeld()`. */
export type ReceiverAnswer = number | 'hold';

/** A real HTTP server on loopback standing in for a SIEM: records every POST and answers as `answer` says. */
export interface SinkReceiver {
  url(path: string): string;
  received: ReceivedDelivery[];
  /** The requests answered 2xx, in the order they were answered: what the receiver accepted. */
  accepted(path: string): ReceivedDelivery[];
  answer: (path: string, attempt: number) => ReceiverAnswer;
  /** Drops the held requests' connections without an answer. */
  dropHeld(): void;
  held(): number;
  close(): Promise<void>;
}

export async function sinkReceiver(): Promise<SinkReceiver> {
  const holding: ServerResponse[] = [];
  const attempts = new Map<string, number>();
  const receiver: SinkReceiver = {
    url: () => '',
    received: [],
    accepted: (path) => receiver.received.filter((d) => d.path === path && d.status >= 200 && d.status < 300),
    answer: () => 200,
    dropHeld: () => holding.splice(0).forEach((res) => res.socket?.destroy()),
    held: () => holding.length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const attempt = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, attempt);
      const answer = receiver.answer(path, attempt);
      if (answer === 'hold') {
        holding.push(res);
        return;
      }
      receiver.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: answer });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = (path) => `http://127.0.0.1:${port}${path}`;
  const close = receiver.close;
  receiver.close = () => {
    receiver.dropHeld();
    server.closeAllConnections();
    return close();
  };
  return receiver;
}
