import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensureLocalTls } from '@keelson/local-infra';
import { TestDeviceCa, type TestDeviceCertificate } from '@keelson/testing';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { DeviceFetcher } from './device-fetcher.js';

// Issue 11: one update's requests to the facade (a refresh starts with a 404 for the next root)
// share one TLS connection; a renewed certificate is presented on a new one.
describe('DeviceFetcher connections (real HTTPS server asking for a client certificate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-fetcher-'));
  let server: Server;
  let base: string;
  let ca: string;
  let deviceCa: TestDeviceCa;
  /** Each request: its path, the certificate and connection it came on, and how many earlier connections were still open. */
  const seen: { path: string; fingerprint: string; socket: TLSSocket; resumed: boolean; othersOpen: number }[] = [];
  let handshakes = 0;
  let refusalBytes = 100;

  beforeAll(async () => {
    const tls = await ensureLocalTls(join(dir, 'tls'));
    ca = tls.caPem;
    deviceCa = await TestDeviceCa.create('plant-7');
    server = createServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const open = new Set(seen.filter((s) => s.socket !== socket && !s.socket.destroyed).map((s) => s.socket)).size;
        seen.push({
          path: req.url ?? '',
          fingerprint: socket.getPeerX509Certificate()?.fingerprint256.replaceAll(':', '').toLowerCase() ?? '-',
          socket,
          resumed: socket.isSessionReused(),
          othersOpen: open,
        });
        if (req.url === '/tuf/2.root.json') {
          res.writeHead(404, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ code: 'not-found', message: 'x'.repeat(refusalBytes) }));
        }
        if (req.url === '/tuf/stalled.json') return void res.write('{"sig'); // the rest never comes
        res.end(req.url === '/targets/model.onnx' ? Buffer.alloc(200_000, 7) : '{"signed":{}}');
      },
    );
    server.on('secureConnection', () => (handshakes += 1));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    seen.length = 0;
    handshakes = 0;
    refusalBytes = 100;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fetcherAs = (identity: () => TestDeviceCertificate) =>
    new DeviceFetcher({ platformCa: ca, clientIdentity: async () => identity() }, join(dir, 'tmp'), { attempts: 1, pauseMs: 1 });
  const update = async (fetcher: DeviceFetcher) => {
    await expect(fetcher.downloadBytes(`${base}/tuf/2.root.json`, 10_000)).rejects.toThrow(DownloadHTTPError);
    expect((await fetcher.downloadBytes(`${base}/tuf/timestamp.json`, 10_000)).toString()).toBe('{"signed":{}}');
    expect(await fetcher.downloadFile(`${base}/targets/model.onnx`, 300_000, async (file) => readFileSync(file).length)).toBe(200_000);
  };

  it('cuts each attempt off at its deadline, body included, and leaves the next request its own', async () => {
    const device = await deviceCa.issue('d-0');
    const retry = { attempts: 3, pauseMs: 1 };
    const fetcher = new DeviceFetcher({ platformCa: ca, clientIdentity: async () => device }, join(dir, 'tmp'), retry, 300);
    const started = performance.now();
    // Cut off mid-body, the connection reads as reset (ECONNRESET): transient, so tried again up to the policy.
    await expect(fetcher.downloadBytes(`${base}/tuf/stalled.json`, 10_000)).rejects.toThrow(/abort/i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 300 - 50);
    expect(seen.map((s) => s.path)).toEqual(Array(retry.attempts).fill('/tuf/stalled.json'));
    await new Promise((r) => setTimeout(r, 400)); // past the deadlines of every earlier attempt
    expect(await fetcher.downloadBytes(`${base}/tuf/timestamp.json`, 10_000)).toEqual(Buffer.from('{"signed":{}}'));
  });

  it("sends an update's requests, the refused next root included, over one TLS connection", async () => {
    const device = await deviceCa.issue('d-1');
    await update(fetcherAs(() => device));
    expect(seen.map((s) => s.path)).toEqual(['/tuf/2.root.json', '/tuf/timestamp.json', '/targets/model.onnx']);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
    expect(handshakes).toBe(1);
  });

  it('gives up the connection of a refusal too long to read, and goes on over a new one', async () => {
    refusalBytes = 200_000;
    const device = await deviceCa.issue('d-2');
    await update(fetcherAs(() => device));
    expect(seen[1]!.socket).not.toBe(seen[0]!.socket);
    expect(seen[2]!.socket).toBe(seen[1]!.socket);
  });

  it("presents a renewed certificate on a new connection, and the update's requests share that one", async () => {
    const [first, renewed] = [await deviceCa.issue('d-3'), await deviceCa.issue('d-3')];
    let current = first;
    const fetcher = fetcherAs(() => current);
    await update(fetcher);
    current = renewed;
    await update(fetcher);
    expect(seen.map((s) => s.fingerprint)).toEqual([...Array(3).fill(first.fingerprint), ...Array(3).fill(renewed.fingerprint)]);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(2);
    expect(seen[3]!.socket).not.toBe(seen[2]!.socket);
  });

  // Issue 11 (facade memory): a device's connection does not idle at the facade after its update.
  it('closes the connection once the target is downloaded; the next update resumes the session on a new one', async () => {
    const device = await deviceCa.issue('d-4');
    const fetcher = fetcherAs(() => device);
    const target = join(dir, 'tmp', 'model.verified');
    const downloadTarget = () =>
      fetcher.downloadResumable({
        url: `${base}/targets/model.onnx`,
        length: 200_000,
        sha256: '0'.repeat(64),
        file: target,
        check: async (chunks) => {
          for await (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0);
        },
      });
    rmSync(join(dir, 'tmp'), { recursive: true, force: true }); // the first download makes the directory, the second finds it
    for (let i = 0; i < 2; i++) {
      expect((await fetcher.downloadBytes(`${base}/tuf/timestamp.json`, 10_000)).toString()).toBe('{"signed":{}}');
      rmSync(target, { force: true }); // a whole file is only checked again, with no request
      await downloadTarget();
    }
    expect(readFileSync(target).length).toBe(200_000);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(seen.map((s) => s.path)).toEqual(['/tuf/timestamp.json', '/targets/model.onnx', '/tuf/timestamp.json', '/targets/model.onnx']);
    expect(seen[1]!.socket).toBe(seen[0]!.socket);
    expect(seen[2]!.socket).not.toBe(seen[1]!.socket);
    expect(seen.map((s) => [s.resumed, s.othersOpen])).toEqual([
      [false, 0],
      [false, 0],
      [true, 0],
      [true, 0],
    ]);
    expect(handshakes).toBe(2);
  });
});
