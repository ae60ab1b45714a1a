import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startNatsServer, type RunningNats } from './nats-server.js';

function natsBinary(): string {
  const binary = process.env.KEELSON_TEST_NATS_BINARY; // set by libs/testing's global setup
  if (!binary) throw new Error('KEELSON_TEST_NATS_BINARY is not set: run this spec in the integration project');
  return binary;
}

describe('startNatsServer: memory settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-nats-mem-'));
  let nats: RunningNats;

  beforeAll(async () => {
    const [port, mqttPort, monitorPort, profPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    nats = await startNatsServer({
      binary: natsBinary(),
      dir,
      serverName: 'mem-spec',
      host: '127.0.0.1',
      port,
      mqttPort,
      monitorPort,
      profPort,
      users: [{ user: 'u', password: 'p' }],
      systemUser: { user: 'sys', password: 's' },
      env: { GOMEMLIMIT: '123MiB' },
    });
  }, 30_000);

  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the server with the Go memory limit it is given', () => {
    const environ = readFileSync(`/proc/${nats.pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('GOMEMLIMIT=123MiB');
  });

  it('serves its heap in text on the profiling port', async () => {
    const text = await (await fetch(`${nats.profUrl!}/debug/pprof/heap?debug=1`)).text();
    expect(text).toMatch(/^# HeapAlloc = \d+$/m);
  });
});
