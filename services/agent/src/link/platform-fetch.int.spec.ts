import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensureLocalTls } from '@keelson/local-infra';
import { TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { platformFetch } from './platform-fetch.js';

/** What the server saw of one request: the certificate presented in its connection's handshake, and that connection. */
interface Seen {
  fingerprint: string;
  socket: TLSSocket;
  resumed: boolean;
  /** Connections of earlier requests (of this test) still open when this request arrived. */
  othersOpen: number;
}

// Issue 11: a device's requests to the facade share kept-alive TLS connections, and a renewed
// certificate is presented on a new connection at once.
describe('platformFetch connections (real HTTPS server asking for a client certificate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-keepalive-'));
  let server: Server;
  let url: string;
  let ca: string;
  let deviceCa: TestDeviceCa;
  const seen: Seen[] = [];
  let handshakes = 0;
  let closeAfterThis = false;

  beforeAll(async () => {
    const tls = await ensureLocalTls(join(dir, 'tls'));
    ca = tls.caPem;
    deviceCa = await TestDeviceCa.create('plant-7');
    server = createServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        seen.push({
          fingerprint: socket.getPeerX509Certificate()?.fingerprint256.replaceAll(':', '').toLowerCase() ?? '-',
          socket,
          resumed: socket.isSessionReused(),
          othersOpen: new Set(seen.filter((s) => s.socket !== socket && !s.socket.destroyed).map((s) => s.socket)).size,
        });
        if (closeAfterThis) res.setHeader('connection', 'close');
        res.end('ok');
      },
    );
    server.on('secureConnection', () => (handshakes += 1));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  });
  beforeEach(() => {
    seen.length = 0;
    handshakes = 0;
    closeAfterThis = false;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (fetch: ReturnType<typeof platformFetch>) => {
    const res = await fetch(url);
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
  };

  it("sends a device's requests over one TLS connection, and resumes the TLS session on the next one", async () => {
    const device = await deviceCa.issue('d-1');
    const fetch = platformFetch(ca, async () => device);
    for (let i = 0; i < 2; i++) await get(fetch);
    // The server ends the connection with its third answer (as a server restarting would): the next one resumes.
    closeAfterThis = true;
    await get(fetch);
    expect(handshakes).toBe(1);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
    closeAfterThis = false;
    await get(fetch);
    expect(handshakes).toBe(2);
    expect(seen.map((s) => [s.fingerprint, s.resumed])).toEqual([
      ...Array(3).fill([device.fingerprint, false]),
      [device.fingerprint, true],
    ]);
  });

  it("presents a renewed certificate on a new connection at its next request, and closes the old certificate's connection", async () => {
    const [first, renewed]: TestDeviceCertificate[] = [await deviceCa.issue('d-2'), await deviceCa.issue('d-2')];
    let current = first;
    const fetch = platformFetch(ca, async () => current);
    await get(fetch);
    current = renewed;
    await get(fetch);
    await get(fetch);
    expect(seen.map((s) => s.fingerprint)).toEqual([first!.fingerprint, renewed!.fingerprint, renewed!.fingerprint]);
    expect(seen[1]!.socket).not.toBe(seen[0]!.socket);
    expect(seen[2]!.socket).toBe(seen[1]!.socket);
    // Closed by the device before it asked again, not left to the idle timeout.
    expect(seen[1]!.othersOpen).toBe(0);
  });

  // Issue 11 (facade memory): every open TLS connection costs the facade ~100 KiB.
  it("sends a device's concurrent requests one after the other over its one connection", async () => {
    const device = await deviceCa.issue('d-3');
    const fetch = platformFetch(ca, async () => device);
    await Promise.all([get(fetch), get(fetch), get(fetch)]);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
    expect(handshakes).toBe(1);
  });
});
