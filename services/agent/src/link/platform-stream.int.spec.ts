import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensureLocalTls } from '@keelson/local-infra';
import { TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { platformStream, type PlatformStream } from './platform-fetch.js';

const bigBody = Buffer.alloc(4 * 1024 * 1024, 7);

// Issue 11 (the simulated fleet's CPU): the TUF fetcher reads answers as Node streams. What it
// leaves unread must not take a good connection down, nor leave a half-read one in use.
describe('platformStream (real HTTPS server asking for a client certificate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-stream-'));
  let server: Server;
  let base: string;
  let ca: string;
  let device: TestDeviceCertificate;
  const sockets: TLSSocket[] = [];

  beforeAll(async () => {
    const tls = await ensureLocalTls(join(dir, 'tls'));
    ca = tls.caPem;
    device = await (await TestDeviceCa.create('plant-8')).issue('d-1');
    server = createServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        sockets.push(req.socket as TLSSocket);
        if (req.url === '/missing') res.writeHead(404).end('no such document');
        else res.end(req.url === '/big' ? bigBody : 'ok');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => void (sockets.length = 0));
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const text = async (stream: PlatformStream, path: string): Promise<[number, string]> => {
    const res = await stream(`${base}${path}`);
    const chunks: Uint8Array[] = [];
    for await (const chunk of res.body ?? []) chunks.push(chunk);
    return [res.status, Buffer.concat(chunks).toString()];
  };

  it('reads answers, refusals included, to their end over one kept-alive connection', async () => {
    const stream = platformStream(ca, async () => device);
    expect(await text(stream, '/x')).toEqual([200, 'ok']);
    expect(await text(stream, '/missing')).toEqual([404, 'no such document']);
    expect(await text(stream, '/y')).toEqual([200, 'ok']);
    expect(new Set(sockets).size).toBe(1);
  });

  it('keeps the connection when an answer left unread had fully arrived', async () => {
    const stream = platformStream(ca, async () => device);
    const res = await stream(`${base}/x`);
    await new Promise((r) => setTimeout(r, 100)); // the two bytes are in
    res.cancel();
    expect(await text(stream, '/y')).toEqual([200, 'ok']);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]).toBe(sockets[0]);
  });

  it('drops the connection of an answer cancelled half-read, and the next request goes out on a new one', async () => {
    const stream = platformStream(ca, async () => device);
    const res = await stream(`${base}/big`);
    await new Promise((r) => setTimeout(r, 20)); // some of the 4 MiB is in, not all
    res.cancel();
    expect(await text(stream, '/y')).toEqual([200, 'ok']);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]).not.toBe(sockets[0]);
  });
});
