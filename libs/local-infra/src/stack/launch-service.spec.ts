import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchService, type RunningService } from './launch-service.js';
import { serviceHeapGrowingPercent, serviceSemiSpaceMiB } from './memory-settings.js';

// A stand-in service: says it listens, with the node flags it was started with as its "url".
const entrySource = `process.stdout.write(JSON.stringify({ event: 'listening', url: process.execArgv.join(' ') }) + '\\n'); setInterval(() => {}, 1000);`;

describe('launchService', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-launch-'));
  const entry = join(dir, 'main.mjs');
  writeFileSync(entry, entrySource);
  const running: RunningService[] = [];
  afterAll(async () => {
    for (const s of running) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a service with its young generation and its old generation’s growth capped (node accepts both flags)', async () => {
    const service = await launchService({ name: 'stand-in', entry, env: { PATH: process.env.PATH }, logFile: join(dir, 'a.log') });
    running.push(service);
    expect(service.url.split(' ')).toEqual([
      '--enable-source-maps',
      `--max-semi-space-size=${serviceSemiSpaceMiB}`,
      `--heap-growing-percent=${serviceHeapGrowingPercent}`,
    ]);
  });

  it('kills a service that stays silent past its start limit, and says so', async () => {
    const silent = join(dir, 'silent.mjs');
    const pidFile = join(dir, 'silent.pid');
    writeFileSync(
      silent,
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`,
    );
    await expect(
      launchService({ name: 'silent', entry: silent, env: { PATH: process.env.PATH }, logFile: join(dir, 's.log'), readyTimeoutMs: 1500 }),
    ).rejects.toThrow(/silent did not start within 1500 ms \(killed\)/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('starts it with the node arguments it is given instead', async () => {
    const service = await launchService({
      name: 'stand-in',
      entry,
      env: { PATH: process.env.PATH },
      logFile: join(dir, 'b.log'),
      nodeArgs: ['--max-semi-space-size=2'],
    });
    running.push(service);
    expect(service.url).toBe('--max-semi-space-size=2');
  });
});
