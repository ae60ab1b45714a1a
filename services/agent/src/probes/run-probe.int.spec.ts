import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probe } from '@keelson/events';
import { eventually } from '@keelson/testing';
import { runProbe, type ProbeContext } from './run-probe.js';

const timing = { timeoutSeconds: 1, attempts: 1, initialDelaySeconds: 0 };

/** Whether `pid` still runs: a killed process left unreaped (a zombie) does not. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('health probes run for real', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let hits = 0;
  let script: string;
  let sleeper: string;
  let closedPort: number;
  const ctx = (over: Partial<ProbeContext> = {}): ProbeContext => ({
    activePath: join(dir, 'current', 'model.onnx'),
    allowExec: new Set(['/bin/true', '/bin/false']),
    retryPauseMs: 10,
    ...over,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-probe-'));
    // A health check that insists on being told the active artifact, both ways, without a shell of ours.
    script = join(dir, 'check-artifact.sh');
    writeFileSync(
      script,
      '#!/bin/sh\n[ "$KEELSON_ARTIFACT_PATH" = "$1" ] && [ "$1" = "' +
        join(dir, 'current', 'model.onnx') +
        '" ] || { echo "wrong artifact $1" >&2; exit 3; }\n',
    );
    chmodSync(script, 0o755);
    // A check that starts a process of its own and outlives any timeout: waiting for it takes 300 s.
    sleeper = join(dir, 'sleep-long.sh');
    writeFileSync(sleeper, `#!/bin/sh\nsleep 300 &\necho $! > ${join(dir, 'sleeper.pid')}\nwait\n`);
    chmodSync(sleeper, 0o755);
    closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    server = createServer((req, res) => {
      hits += 1;
      if (req.url === '/ok') return void res.writeHead(204).end();
      if (req.url === '/flaky') return void res.writeHead(hits >= 3 ? 200 : 503).end();
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end(), 3_000);
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => void (hits = 0));

  describe('exec', () => {
    const exec = (path: string, over: Partial<Probe> = {}): Probe => ({ kind: 'exec', path, ...timing, ...over }) as Probe;

    it('passes on exit 0 and fails on a non-zero exit', async () => {
      expect(await runProbe(exec('/bin/true'), ctx())).toEqual({ ok: true });
      expect(await runProbe(exec('/bin/false', { attempts: 2 }), ctx())).toEqual({
        ok: false,
        reason: 'probe failed after 2 attempts: /bin/false exited with code 1',
      });
    });

    it('gives the binary the active artifact as KEELSON_ARTIFACT_PATH and as the last argument, with no shell', async () => {
      expect(await runProbe(exec(script), ctx({ allowExec: new Set([script]) }))).toEqual({ ok: true });
      const wrong = await runProbe(exec(script), ctx({ allowExec: new Set([script]), activePath: '/elsewhere; touch /tmp/pwned' }));
      expect(wrong).toEqual({
        ok: false,
        reason: expect.stringContaining('exited with code 3: wrong artifact /elsewhere; touch /tmp/pwned'),
      });
    });

    it('refuses a binary that is not on the agent allowlist without running it', async () => {
      const result = await runProbe(exec(script, { attempts: 5 }), ctx());
      expect(result).toEqual({ ok: false, reason: `exec probe ${script} is not on this agent's allowlist (--allow-exec)` });
    });

    it('kills a check that outlives its timeout, with what it started', async () => {
      // 2 s: long enough for the script to have started its own process and written its pid.
      const result = await runProbe(exec(sleeper, { timeoutSeconds: 2 }), ctx({ allowExec: new Set([sleeper]) }));
      expect(result).toEqual({ ok: false, reason: expect.stringContaining(`${sleeper} did not finish within 2 s`) });
      const started = Number(readFileSync(join(dir, 'sleeper.pid'), 'utf8'));
      await eventually(() => !isRunning(started));
    });
  });

  describe('http', () => {
    const http = (path: string, over: Partial<Probe> = {}): Probe =>
      ({ kind: 'http', url: `${baseUrl}${path}`, ...timing, ...over }) as Probe;

    it('passes on a success status and fails on an error status', async () => {
      expect(await runProbe(http('/ok'), ctx())).toEqual({ ok: true });
      expect(await runProbe(http('/broken'), ctx())).toEqual({
        ok: false,
        reason: `probe failed after 1 attempt: GET ${baseUrl}/broken answered 500`,
      });
    });

    it('tries up to `attempts` times and stops at the first success', async () => {
      expect(await runProbe(http('/flaky', { attempts: 5 }), ctx())).toEqual({ ok: true });
      expect(hits).toBe(3);
      hits = 0;
      expect((await runProbe(http('/broken', { attempts: 3 }), ctx())).ok).toBe(false);
      expect(hits).toBe(3);
    });

    it('fails an endpoint slower than the timeout, and a closed port', async () => {
      expect(await runProbe(http('/slow'), ctx())).toEqual({ ok: false, reason: expect.stringContaining('did not answer within 1 s') });
      const closed = await runProbe({ kind: 'http', url: `http://127.0.0.1:${closedPort}/health`, ...timing }, ctx());
      expect(closed).toEqual({ ok: false, reason: expect.stringContaining('ECONNREFUSED') });
    });

    it('waits the initial delay before the first attempt', async () => {
      const started = Date.now();
      expect(await runProbe(http('/ok', { initialDelaySeconds: 1 }), ctx())).toEqual({ ok: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    });
  });

  describe('file', () => {
    const file = (path: string): Probe => ({ kind: 'file', path, ...timing });

    it('passes once the file exists (inside the probe root when one is given) and fails when it never appears', async () => {
      writeFileSync(join(dir, 'ready'), 'ok');
      expect(await runProbe(file(join(dir, 'ready')), ctx())).toEqual({ ok: true });
      expect(await runProbe(file('/ready'), ctx({ probeRoot: dir }))).toEqual({ ok: true });
      expect(await runProbe(file('/never'), ctx({ probeRoot: dir }))).toEqual({
        ok: false,
        reason: 'probe failed after 1 attempt: /never does not exist',
      });
    });

    it('waits within the timeout for the workload to write the file', async () => {
      setTimeout(() => writeFileSync(join(dir, 'late'), 'ok'), 300);
      expect(await runProbe(file('/late'), ctx({ probeRoot: dir }))).toEqual({ ok: true });
    });

    it('stops waiting as soon as the agent stops, without a verdict', async () => {
      const stop = new AbortController();
      setTimeout(() => stop.abort(new Error('agent stopped')), 200);
      // Sitting either probe out would take an hour or more: they settle at all only if the stop cuts them short.
      const polling: Probe = { kind: 'file', path: '/never', timeoutSeconds: 300, attempts: 10, initialDelaySeconds: 0 };
      const delayed: Probe = { ...polling, initialDelaySeconds: 3600 };
      const stopped = [polling, delayed].map((probe) =>
        runProbe(probe, ctx({ probeRoot: dir, signal: stop.signal, retryPauseMs: 300_000 })),
      );
      await Promise.all(stopped.map((probe) => expect(probe).rejects.toMatchObject({ name: 'AbortError' })));
    });
  });
});
