import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchService, type RunningService } from './launch-service.js';
import { superviseServices, type Supervised } from './supervisor.js';

// Stand-in services as real processes: `steady` says it listens and stays; `crashing` says it listens
// and exits with code 3 at once.
const steadySource = `process.stdout.write(JSON.stringify({ event: 'listening', url: 'http://stand-in' }) + '\\n'); setInterval(() => {}, 1000);`;
const crashingSource = `process.stdout.write(JSON.stringify({ event: 'listening', url: 'http://stand-in' }) + '\\n'); setTimeout(() => process.exit(3), 20);`;

const until = async (what: string, check: () => boolean, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('superviseServices', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-supervise-'));
  const entries = { steady: join(dir, 'steady.mjs'), crashing: join(dir, 'crashing.mjs') };
  writeFileSync(entries.steady, steadySource);
  writeFileSync(entries.crashing, crashingSource);
  const launched: RunningService[] = [];
  const launch = async (name: 'steady' | 'crashing'): Promise<RunningService> => {
    const service = await launchService({
      name,
      entry: entries[name],
      env: { PATH: process.env.PATH },
      logFile: join(dir, `${name}.log`),
      nodeArgs: [],
    });
    launched.push(service);
    return service;
  };
  const stand = async (names: ('steady' | 'crashing')[]): Promise<Supervised<'steady' | 'crashing'> & { starts: string[] }> => {
    const target = { services: {} as Supervised<'steady' | 'crashing'>['services'], starts: [] as string[] } as Supervised<
      'steady' | 'crashing'
    > & { starts: string[] };
    for (const name of names) target.services[name] = await launch(name);
    target.restart = async (name) => {
      target.starts.push(name);
      return (target.services[name] = await launch(name));
    };
    return target;
  };
  afterAll(async () => {
    for (const s of launched) await s.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a killed service again and says so', async () => {
    const target = await stand(['steady']);
    const lines: string[] = [];
    const supervisor = superviseServices(target, { firstDelayMs: 50, log: (l) => lines.push(l) });
    const first = target.services.steady!;
    await first.kill();
    await until('the restart', () => target.services.steady !== first && lines.some((l) => l.includes('started again')));
    expect(lines[0]).toBe('keelson: steady exited (killed by a signal); starting it again in 0.05 s');
    expect(lines[1]).toBe(`keelson: steady started again (pid ${target.services.steady!.pid})`);
    expect(target.services.steady!.pid).not.toBe(first.pid);
    await supervisor.stop();
  });

  it('waits twice as long after each exit soon after a start, up to its limit', async () => {
    const target = await stand(['crashing']);
    const lines: string[] = [];
    const supervisor = superviseServices(target, { firstDelayMs: 50, maxDelayMs: 200, log: (l) => lines.push(l) });
    await until('five exits', () => lines.filter((l) => l.includes('exited')).length >= 5);
    await supervisor.stop();
    const waits = lines
      .filter((l) => l.includes('exited'))
      .slice(0, 5)
      .map((l) => /in ([\d.]+) s$/.exec(l)![1]);
    expect(waits).toEqual(['0.05', '0.1', '0.2', '0.2', '0.2']);
    expect(lines[0]).toBe('keelson: crashing exited (code 3); starting it again in 0.05 s');
  });

  it('starts nothing again once stopped', async () => {
    const target = await stand(['steady']);
    const lines: string[] = [];
    const supervisor = superviseServices(target, { firstDelayMs: 20, log: (l) => lines.push(l) });
    await supervisor.stop();
    await target.services.steady!.kill();
    await new Promise((r) => setTimeout(r, 200));
    expect(target.starts).toEqual([]);
    expect(lines).toEqual([]);
  });
});
