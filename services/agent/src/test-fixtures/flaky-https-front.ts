import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalTls } from '@keelson/local-infra';

/**
 * What the front does with one request: `unavailable` answers 503 with `Retry-After` (seconds)
 * and the standard error body, `reset` cuts the connection before any answer, `pass` hands the
 * request to the real server behind and relays its answer.
 */
export type FrontAction = { unavailable: number } | 'reset' | 'pass';

/** One request the front received: when, and its JSON body as sent. */
export interface FrontRequest {
  at: number;
  body: Record<string, unknown>;
}

export interface FlakyHttpsFront {
  url: string;
  /** The CA (PEM) its server certificate chains to: what the device trusts as the platform CA. */
  caPem: string;
  /** The actions of the next requests, in order; once they are used up, requests pass. */
  script: FrontAction[];
  requests: FrontRequest[];
  stop(): Promise<void>;
}

/**
 * A real HTTPS server in front of a plain-HTTP one (`targetUrl`), failing the way a platform does
 * while its broker or a service restarts, as scripted, before it lets requests through.
 */
export async function startFlakyHttpsFront(targetUrl: string): Promise<FlakyHttpsFront> {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-flaky-front-'));
  const tls = await ensureLocalTls(dir);
  const front: FlakyHttpsFront = { url: '', caPem: tls.caPem, script: [], requests: [], stop: async () => undefined };
  const server: Server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      front.requests.push({ at: Date.now(), body: JSON.parse(text || '{}') as Record<string, unknown> });
      const action = front.script.shift() ?? 'pass';
      if (action === 'reset') return req.socket.destroy();
      if (action !== 'pass') {
        const body = JSON.stringify({
          error: { kind: 'Unavailable', code: 'broker.unavailable', message: 'the message broker is briefly unavailable' },
        });
        return res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(action.unavailable) }).end(body);
      }
      const answer = await fetch(`${targetUrl}${req.url}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: text,
      });
      res
        .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
        .end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.url = `https://localhost:${(server.address() as AddressInfo).port}`;
  front.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  return front;
}
