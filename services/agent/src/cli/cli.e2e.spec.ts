import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startGatewayUnderTest, type GatewayUnderTest } from '../test-fixtures/gateway-under-test.js';

const bin = (name: string) => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', `${name}.mjs`);

/** Runs a bin to its end; resolves with the exit code and what it printed. */
function runBin(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('the keelson-agent and keelson-sim command lines', () => {
  let g: GatewayUnderTest;
  let dir: string;
  let api: Server;
  let apiUrl: string;
  let minted = 0;

  beforeAll(async () => {
    g = await startGatewayUnderTest();
    dir = mkdtempSync(join(tmpdir(), 'keelson-cli-'));
    // The operator API's token route as the sim uses it: bearer token in, `token` and `gatewayUrl` out.
    api = createServer((req, res) => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/enrollment-tokens?fleet=plant-7' ||
        req.headers.authorization !== 'Bearer admin-secret'
      ) {
        return void res.writeHead(401).end(JSON.stringify({ error: { kind: 'Unauthorized', code: 'auth', message: 'no' } }));
      }
      minted += 1;
      void g
        .mintToken()
        .then((t) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ tokenId: 'x', ...t })));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => api?.close(r));
    await g?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enroll: a refused token exits 1 with the gateway’s reason and leaves the data dir unenrolled; a good one enrolls', async () => {
    const dataDir = join(dir, 'cli-device');
    const refused = await runBin('keelson-agent', [
      'enroll',
      '--gateway',
      g.gatewayUrl,
      '--ca-fingerprint',
      g.caFingerprint,
      '--token',
      'plant-7.et-00000000deadbeef.nope',
      '--data-dir',
      dataDir,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the gateway refused the enrollment \(HTTP 401\) enrollment\./);
    expect(existsSync(join(dataDir, 'identity', 'enrollment.json'))).toBe(false);

    const { token } = await g.mintToken();
    const ok = await runBin('keelson-agent', [
      'enroll',
      '--gateway',
      g.gatewayUrl,
      '--ca-fingerprint',
      g.caFingerprint,
      '--token',
      token,
      '--data-dir',
      dataDir,
      '--name',
      'cli-cam',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ event: 'enrolled', fleet: 'plant-7', name: 'cli-cam' });
    expect(ok.stdout + ok.stderr).not.toContain(token);
    const again = await runBin('keelson-agent', [
      'enroll',
      '--gateway',
      g.gatewayUrl,
      '--ca-fingerprint',
      g.caFingerprint,
      '--token',
      token,
      '--data-dir',
      dataDir,
    ]);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('is already enrolled')]);
  });

  it('prints the usage on --help', async () => {
    for (const name of ['keelson-agent', 'keelson-sim']) {
      const res = await runBin(name, ['--help']);
      expect([res.code, res.stdout]).toEqual([0, expect.stringContaining(`usage:\n  ${name} `)]);
    }
  });

  it('rejects bad flags with the usage and exit code 2', async () => {
    const res = await runBin('keelson-agent', ['run', '--data-dir', dir, '--allow-exec', 'relative/check']);
    expect([res.code, res.stderr]).toEqual([2, expect.stringContaining('--allow-exec needs an absolute path')]);
    const renewKey = await runBin('keelson-agent', ['run', '--data-dir', dir, '--renew-key', 'sometimes']);
    expect([renewKey.code, renewKey.stderr]).toEqual([2, expect.stringContaining('--renew-key must be rotate or keep')]);
    const sim = await runBin('keelson-sim', ['--api', apiUrl, '--admin-token', 't', '--devices', 'many', '--data-dir', dir]);
    expect([sim.code, sim.stderr]).toEqual([2, expect.stringContaining('--devices must be a whole number')]);
  });

  it('refuses a metrics endpoint off the device and a malformed --app-metrics, before doing anything', async () => {
    const remote = await runBin('keelson-agent', ['run', '--data-dir', dir, '--metrics-url', 'http://10.1.2.3:9100/metrics']);
    expect([remote.code, remote.stderr]).toEqual([
      2,
      expect.stringContaining('--metrics-url must name a loopback host (127.0.0.1, [::1] or localhost), got 10.1.2.3'),
    ]);
    const orphan = await runBin('keelson-agent', ['run', '--data-dir', dir, '--metrics-interval-s', '30']);
    expect([orphan.code, orphan.stderr]).toEqual([2, expect.stringContaining('the --metrics-* flags need --metrics-url')]);
    const spec = await runBin('keelson-sim', [
      '--api',
      apiUrl,
      '--admin-token',
      't',
      '--devices',
      '1',
      '--data-dir',
      dir,
      '--app-metrics',
      'x=poisson(3)@1.0.0',
    ]);
    expect([spec.code, spec.stderr]).toEqual([2, expect.stringContaining("--app-metrics: 'poisson(3)@1.0.0' is not <dist>@<version>")]);
  });

  it('keelson-sim mints tokens through the api, runs the fleet until SIGTERM, and re-uses its devices on restart', async () => {
    const simDir = join(dir, 'fleet');
    const start = async () => {
      const child = spawn(
        process.execPath,
        [bin('keelson-sim'), '--api', apiUrl, '--fleet', 'plant-7', '--devices', '2', '--data-dir', simDir, '--fail', 'sim-2'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, KEELSON_TOKEN: 'admin-secret' },
        },
      );
      const lines = createInterface({ input: child.stdout });
      const ready = await new Promise<Record<string, unknown>>((r) =>
        lines.on('line', (l) => l.includes('fleet-ready') && r(JSON.parse(l))),
      );
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', r));
      return { ready, code };
    };
    const first = await start();
    expect(first).toEqual({ ready: expect.objectContaining({ event: 'fleet-ready', devices: 2, failing: ['sim-2'] }), code: 0 });
    expect(minted).toBe(2);
    const ids = ['sim-1', 'sim-2'].map(
      (n) => JSON.parse(readFileSync(join(simDir, n, 'agent', 'identity', 'enrollment.json'), 'utf8')).deviceId,
    );
    expect((await start()).code).toBe(0);
    expect(minted).toBe(2);
    expect(
      ['sim-1', 'sim-2'].map((n) => JSON.parse(readFileSync(join(simDir, n, 'agent', 'identity', 'enrollment.json'), 'utf8')).deviceId),
    ).toEqual(ids);
  });
});
