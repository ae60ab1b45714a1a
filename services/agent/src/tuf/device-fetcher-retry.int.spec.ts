import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalTls, freePort, type LocalTls } from '@keelson/local-infra';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { TargetFile } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { DeviceFetcher } from './device-fetcher.js';

// A 10,000-device rollout halted on one device whose metadata fetch met `connect ETIMEDOUT`: a
// device on a flaky network, or in front of an overloaded facade, tries a dropped, refused or cut
// off connection again (bounded, jittered), and still gives up at once on a 4xx or a TLS failure.
describe('DeviceFetcher retries (real HTTPS server that drops, refuses and cuts off connections)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-fetcher-retry-'));
  const tmp = join(dir, 'tmp');
  const target = Buffer.alloc(200_000, 7);
  let tls: LocalTls;
  let server: Server;
  let base: string;
  let port: number;
  let dropConnections = 0; // the next N connections are destroyed on arrival (ECONNRESET)
  let cutBodies = 0; // the next N responses stop half-way through their body
  let unavailable = 0; // the next N requests are answered 503 with `Retry-After: 1` (the broker behind the facade away)
  let connections = 0;
  const requests: string[] = [];

  const startServer = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  beforeAll(async () => {
    tls = await ensureLocalTls(join(dir, 'tls'));
    server = createServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        requests.push(req.url ?? '');
        if (req.url === '/tuf/2.root.json') return void res.writeHead(404).end('{"code":"not-found"}');
        if (unavailable > 0) {
          unavailable -= 1;
          return void res.writeHead(503, { 'retry-after': '1' }).end('{"error":{"kind":"Unavailable"}}');
        }
        const body = req.url === '/targets/model.onnx' ? target : Buffer.from('{"signed":{}}');
        if (cutBodies > 0) {
          cutBodies -= 1;
          res.writeHead(200, { 'content-length': body.length });
          return void res.write(body.subarray(0, body.length >> 1), () => req.socket.destroy());
        }
        res.end(body);
      },
    );
    server.prependListener('connection', (socket) => {
      connections += 1;
      if (dropConnections === 0) return;
      dropConnections -= 1;
      socket.destroy();
    });
    port = await freePort();
    await startServer();
    base = `https://127.0.0.1:${port}`;
  });
  beforeEach(() => {
    [dropConnections, cutBodies, unavailable, connections, requests.length] = [0, 0, 0, 0, 0];
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fetcher = (onRequest: () => Promise<void> = async () => {}, ca = tls.caPem) =>
    new DeviceFetcher({ platformCa: ca, clientIdentity: async () => (await onRequest(), undefined) }, tmp, { attempts: 6, pauseMs: 5 });
  const metadata = (f: DeviceFetcher) => f.downloadBytes(`${base}/tuf/timestamp.json`, 10_000);

  it('tries again when the first connections are dropped before the response', async () => {
    dropConnections = 2;
    expect((await metadata(fetcher())).toString()).toBe('{"signed":{}}');
    expect(connections).toBe(3);
  });

  it('tries again when the facade refuses connections (not listening yet)', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    let attempts = 0;
    // The device's certificate is looked up at every attempt: the facade comes back at the second.
    const f = fetcher(async () => void ((attempts += 1) === 2 && (await startServer())));
    expect((await metadata(f)).toString()).toBe('{"signed":{}}');
    expect(attempts).toBe(2);
    expect(server.listening).toBe(true);
  });

  it('starts metadata and a target again from the beginning when the body is cut off half-way', async () => {
    cutBodies = 2;
    const f = fetcher();
    expect((await metadata(f)).toString()).toBe('{"signed":{}}');
    cutBodies = 2;
    expect(await f.downloadFile(`${base}/targets/model.onnx`, 300_000, async (file) => readFileSync(file))).toEqual(target);
    expect(requests).toEqual(Array(3).fill('/tuf/timestamp.json').concat(Array(3).fill('/targets/model.onnx')));
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('waits as long as a 503 asks (Retry-After) before trying again, on the same connection', async () => {
    unavailable = 1;
    const started = performance.now();
    expect((await metadata(fetcher())).toString()).toBe('{"signed":{}}');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950); // its own pause is ~5 ms
    expect(requests).toEqual(['/tuf/timestamp.json', '/tuf/timestamp.json']);
    expect(connections).toBe(1);
  });

  it('gives up after its last attempt when every connection is dropped', async () => {
    dropConnections = 6;
    await expect(metadata(fetcher())).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(connections).toBe(6);
  });

  it('gives up at once on a refusal (4xx) and on a certificate that does not chain to the pinned CA', async () => {
    await expect(fetcher().downloadBytes(`${base}/tuf/2.root.json`, 10_000)).rejects.toThrow(DownloadHTTPError);
    expect(requests).toEqual(['/tuf/2.root.json']);
    const stranger = await ensureLocalTls(join(dir, 'other-tls'));
    await expect(metadata(fetcher(undefined, stranger.caPem))).rejects.toThrow(/certificate/);
    expect(connections).toBe(2);
  });

  // A target is written and checked in one pass (`downloadResumable`, tuf-js's TargetFile.verify).
  const signed = (sha256: string) => new TargetFile({ path: 'model.onnx', length: target.length, hashes: { sha256 } });
  const downloadTarget = (f: DeviceFetcher, info: TargetFile, file: string) =>
    f.downloadResumable({
      url: `${base}/targets/model.onnx`,
      length: info.length,
      sha256: info.hashes.sha256!,
      file,
      check: (chunks) => info.verify(Readable.from(chunks)),
    });

  // This server ignores Range (200 with the whole body), as RFC 9110 lets a server do: resumes are in resumable-download.int.spec.ts.
  it('writes a target cut off half-way again from the start when the server ignores Range, checked as it arrives', async () => {
    cutBodies = 2;
    const file = join(dir, 'model.verified');
    await downloadTarget(fetcher(), signed(createHash('sha256').update(target).digest('hex')), file);
    expect(readFileSync(file)).toEqual(target);
    expect(requests).toEqual(Array(3).fill('/targets/model.onnx'));
  });

  it('refuses a target whose bytes do not match the signed hash at once, without trying again', async () => {
    const file = join(dir, 'tampered.verified');
    await expect(downloadTarget(fetcher(), signed('0'.repeat(64)), file)).rejects.toThrow(/Expected hash/);
    expect(requests).toEqual(['/targets/model.onnx']);
  });
});
