import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isConnectionReset, isRepeatable, pauseMs, retryAfterMs, withRetries, type RetryPolicy } from './api-retry.js';

const fast: RetryPolicy = { attempts: 4, firstPauseMs: 10, maxPauseMs: 1_500 };

describe('the CLI retrying a read the api could not answer for a moment', () => {
  let server: Server;
  let url: string;
  let answers: { status: number; headers?: Record<string, string> }[] = [];
  let received = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      received += 1;
      if (req.url === '/reset') return void req.socket.destroy();
      const { status, headers } = answers.shift() ?? { status: 200 };
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => void ([answers, received] = [[], 0]));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('asks again after a 503, waiting at least what Retry-After says', async () => {
    answers = [{ status: 503, headers: { 'retry-after': '1' } }];
    const started = performance.now();
    expect((await withRetries(fast, () => fetch(`${url}/v1/devices`))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(received).toBe(2);
  });

  it('hands back the last 503 once its tries are spent, and never retries another status', async () => {
    answers = Array(4).fill({ status: 503 });
    expect((await withRetries(fast, () => fetch(`${url}/v1/devices`))).status).toBe(503);
    expect(received).toBe(4);
    answers = [{ status: 500 }];
    expect((await withRetries(fast, () => fetch(`${url}/v1/devices`))).status).toBe(500);
    expect(received).toBe(5);
  });

  it('asks again when the connection is reset, and gives up with the reset after the last try', async () => {
    const failed = await withRetries(fast, () => fetch(`${url}/reset`)).catch((err: unknown) => err);
    expect(isConnectionReset(failed)).toBe(true);
    expect(received).toBe(4);
  });

  it('retries only reads, and pauses doubling, at least Retry-After, at most the cap', () => {
    expect(['GET', 'head', 'POST', 'DELETE', 'PATCH'].map(isRepeatable)).toEqual([true, true, false, false, false]);
    expect([1, 2, 3, 9].map((n) => pauseMs(fast, n))).toEqual([10, 20, 40, 1_500]);
    expect(pauseMs(fast, 1, 1_000)).toBe(1_000);
    expect(pauseMs(fast, 1, 60_000)).toBe(1_500);
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(30_000);
    expect([retryAfterMs(null), retryAfterMs('soon')]).toEqual([undefined, undefined]);
  });
});
