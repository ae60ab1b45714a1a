import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { ensureLocalTls, freePort, type LocalTls } from '@keelson/local-infra';
import { TargetFile } from 'tuf-js';
import { DeviceFetcher } from './device-fetcher.js';

// Issue 13 item 6: a target download cut off by the network goes on from where it stopped (Range),
// against a real HTTPS server that answers ranges as the facade does (206, Content-Range, If-Range).
describe('DeviceFetcher resumable target downloads (real HTTPS server that honours Range and cuts bodies)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-resume-'));
  const target = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => (i * 31) % 251));
  const sha256 = createHash('sha256').update(target).digest('hex');
  const file = join(dir, 'downloads', `${sha256}.part`);
  let tls: LocalTls;
  let server: Server;
  let base: string;
  let cutAfter: number[] = []; // the next responses stop after this many body bytes each
  let ignoreRange = false; // answer 200 with the whole body to any Range
  let wrongStart = 0; // the next N ranged answers start one byte later than asked
  let unavailable = 0; // the next N requests are answered 503
  let served = 0; // body bytes sent
  const ranges: (string | undefined)[] = [];

  beforeAll(async () => {
    tls = await ensureLocalTls(join(dir, 'tls'));
    server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
      ranges.push(req.headers.range);
      if (unavailable > 0 && unavailable--) return void res.writeHead(503).end();
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const ranged = m && !ignoreRange && req.headers['if-range'] === `"${sha256}"`;
      let start = ranged ? Number(m[1]) : 0;
      if (ranged && wrongStart > 0) [wrongStart, start] = [wrongStart - 1, start + 1];
      const body = target.subarray(start);
      res.writeHead(ranged ? 206 : 200, {
        'content-length': body.length,
        ...(ranged ? { 'content-range': `bytes ${start}-${target.length - 1}/${target.length}` } : {}),
      });
      const cut = cutAfter.shift();
      const sent = cut === undefined ? body : body.subarray(0, cut);
      served += sent.length;
      res.write(sent, () => (cut === undefined ? res.end() : req.socket.end())); // all of `sent` arrives, then the connection closes
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${port}`;
  });
  beforeEach(() => {
    [cutAfter, ignoreRange, wrongStart, unavailable, served, ranges.length] = [[], false, 0, 0, 0, 0];
    rmSync(join(dir, 'downloads'), { recursive: true, force: true });
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // A body cut off loses what Node had received but not yet handed on (the response is destroyed
  // with its buffer): the offset asked for is what reached the file, a little below the cut.
  const slack = 128 * 1024;
  const offsetOf = (range: string | undefined): number => Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1] ?? NaN);
  const info = (hash = sha256) => new TargetFile({ path: 'model.onnx', length: target.length, hashes: { sha256: hash } });
  const download = (signed = info(), attempts = 6) =>
    new DeviceFetcher({ platformCa: tls.caPem }, join(dir, 'tmp'), { attempts, pauseMs: 5 }).downloadResumable({
      url: `${base}/model.onnx`,
      length: signed.length,
      sha256,
      file,
      check: (chunks) => signed.verify(Readable.from(chunks)),
    });

  it('asks for the rest from where a cut-off body stopped, with If-Range, and ends with the whole target', async () => {
    cutAfter = [400_000, 300_000];
    await download();
    expect(readFileSync(file).equals(target)).toBe(true);
    expect(ranges).toHaveLength(3);
    const [first, second] = [offsetOf(ranges[1]), offsetOf(ranges[2])];
    expect(ranges[0]).toBeUndefined();
    expect(first).toBeGreaterThan(400_000 - slack);
    expect(first).toBeLessThanOrEqual(400_000);
    expect(second).toBeGreaterThan(first + 300_000 - slack);
    expect(second).toBeLessThanOrEqual(first + 300_000);
    expect(served).toBeLessThan(target.length + 2 * slack); // from zero each time, it would be 1.7 times the target
  });

  it('goes on after more cuts than it has attempts, as long as each attempt brings bytes', async () => {
    cutAfter = Array(8).fill(100_000);
    await download(info(), 3);
    expect(readFileSync(file).equals(target)).toBe(true);
    expect(ranges).toHaveLength(9);
  });

  it('resumes from a partial file an earlier run left, and only checks a partial file that is complete', async () => {
    cutAfter = [250_000];
    await expect(download(info(), 1)).rejects.toMatchObject({ code: 'ECONNRESET' });
    const kept = readFileSync(file).length; // what arrived is kept
    expect(kept).toBeGreaterThan(250_000 - slack);
    await download();
    expect(ranges).toEqual([undefined, `bytes=${kept}-`]);
    await download();
    expect(ranges).toHaveLength(2); // complete: checked from disk, no request
  });

  it('keeps the partial file through a facade that answers 503 for a while, and resumes from it', async () => {
    cutAfter = [400_000];
    await expect(download(info(), 1)).rejects.toMatchObject({ code: 'ECONNRESET' });
    const kept = readFileSync(file).length;
    unavailable = 2;
    await download();
    expect(readFileSync(file).equals(target)).toBe(true);
    expect(ranges).toEqual([undefined, ...Array(3).fill(`bytes=${kept}-`)]);
  });

  it('starts over when the server answers a Range with the whole target (200)', async () => {
    [cutAfter, ignoreRange] = [[500_000], true];
    await download();
    expect(readFileSync(file).equals(target)).toBe(true);
    expect([ranges.length, ranges[0], offsetOf(ranges[1])]).toEqual([2, undefined, expect.any(Number)]);
  });

  it('starts over when a 206 answers another span than the one asked for', async () => {
    [cutAfter, wrongStart] = [[300_000], 1];
    await download();
    expect(readFileSync(file).equals(target)).toBe(true);
    expect([ranges.length, ranges[0], offsetOf(ranges[1]), ranges[2]]).toEqual([3, undefined, expect.any(Number), undefined]);
  });

  it('discards a partial file longer than the target and fetches it whole', async () => {
    mkdirFor(file);
    writeFileSync(file, Buffer.concat([target, Buffer.from('more')]));
    await download();
    expect(readFileSync(file).equals(target)).toBe(true);
    expect(ranges).toEqual([undefined]);
  });

  it('discards a resumed file whose first bytes are not the target and fetches it from zero', async () => {
    mkdirFor(file);
    writeFileSync(file, Buffer.alloc(100_000, 0xee)); // as a torn write after a power loss might leave
    await download();
    expect(readFileSync(file).equals(target)).toBe(true);
    expect(ranges).toEqual(['bytes=100000-', undefined]);
  });

  it('discards a complete partial file of other bytes, checked with no request, and fetches the target', async () => {
    mkdirFor(file);
    writeFileSync(file, Buffer.alloc(target.length, 0xee));
    await download();
    expect(readFileSync(file).equals(target)).toBe(true);
    expect(ranges).toEqual([undefined]);
  });

  it('gives up when the bytes from zero fail the check too, without trying again', async () => {
    mkdirFor(file);
    writeFileSync(file, target.subarray(0, 100_000));
    await expect(download(info('0'.repeat(64)))).rejects.toThrow(/Expected hash/);
    expect(ranges).toEqual(['bytes=100000-', undefined]);
  });
});

const mkdirFor = (path: string): void => void mkdirSync(dirname(path), { recursive: true });
