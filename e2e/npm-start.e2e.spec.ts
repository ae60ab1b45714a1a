import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePortBlock, portOffsets } from '@keelson/local-infra';
import { eventually } from './support/operator.js';
import { repoRoot } from './support/test-platform.js';

// The first of the README's two commands, as a newcomer runs it: `npm start` brings the platform
// up with a simulated fleet and prints a tour; every line of the tour, pasted into bash, works.
describe('npm start and its tour', () => {
  const home = mkdtempSync(join(tmpdir(), 'keelson-start-'));
  const scratch = mkdtempSync(join(tmpdir(), 'keelson-tour-'));
  let start: ChildProcess;
  let printed = '';
  const exited = () => new Promise<number | null>((resolve) => (start.exitCode !== null ? resolve(start.exitCode) : start.once('exit', (code) => resolve(code))));

  beforeAll(async () => {
    chmodSync(home, 0o755); // PostgreSQL runs as its own user when we are root, and must reach its data dir
    // npm start derives every port from the API's; all of them free and below the ephemeral range,
    // where no other test's outgoing connection can take one between this pick and the bind.
    const apiPort = await freePortBlock(Object.keys(portOffsets).length);
    start = spawn(process.execPath, [join(repoRoot, 'deploy', 'local', 'start.mjs')], {
      cwd: repoRoot,
      env: { ...process.env, KEELSON_HOME: home, KEELSON_API_PORT: String(apiPort), KEELSON_SIM_DEVICES: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, as a terminal's job or a supervisor's child has
    });
    start.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    start.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await eventually('npm start to print its tour', async () => {
      if (start.exitCode !== null) throw new Error(`npm start exited with ${start.exitCode}:\n${printed}`);
      return printed.includes('Ctrl-C stops everything') ? true : undefined;
    }, 240_000);
  }, 300_000);

  afterAll(async () => {
    if (start && start.exitCode === null) {
      process.kill(-start.pid!, 'SIGKILL');
      await exited();
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('prints where to look, and a tour whose every line works: push, group, rollout, watch, audit, promote, selector behind a gate', () => {
    expect(printed).toMatch(/API +http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(printed).toMatch(/Fleet +'default': 4 simulated devices/);
    const tour = printed
      .split('\n')
      .filter((line) => line.startsWith('  npx keelson') || line.startsWith('  export KEELSON_'))
      .map((line) => line.trim().replaceAll('/tmp/keelson-rollout', join(scratch, 'rollout')));
    expect(tour.length).toBeGreaterThanOrEqual(10);
    // Run from the repository, as the README says; `npx` finds the pinned Node in node_modules/.bin.
    const script = ['set -euo pipefail', ...tour].join('\n');
    const ran = spawnSync('bash', ['-c', script], {
      cwd: repoRoot,
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (ran.status !== 0) throw new Error(`the tour failed (exit ${ran.status}):\n${ran.stdout.slice(-3_000)}\n${ran.stderr.slice(-2_000)}`);
    expect(ran.stdout).toContain('rollout succeeded');
    expect(ran.stdout.match(/rollout succeeded/g)).toHaveLength(2); // the group rollout, then the selector's
    expect(ran.stdout).toMatch(/wave \d\/2: 1 devices — 1 healthy/); // sim-1 is the only north box with 8 GB of the four
    expect(ran.stdout).toContain('wave 1 approved');
  }, 300_000);

  // As a cluster would: a service process that dies is started again, and says so.
  it('starts a killed service again', async () => {
    const children = spawnSync('pgrep', ['-P', String(start.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
    const audit = children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join('services', 'audit', 'dist', 'main.js')));
    expect(audit).toBeDefined();
    process.kill(audit!, 'SIGKILL');
    const again = await eventually('the audit service to start again', async () => /keelson: audit started again \(pid (\d+)\)/.exec(printed)?.[1], 60_000);
    expect(Number(again)).not.toBe(audit);
    expect(printed).toContain('keelson: audit exited (killed by a signal); starting it again in 1 s');
    // It serves again: the audit trail, through the api.
    const api = /API +(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(printed)![1];
    const token = /Admin token +(\S+)/.exec(printed)![1];
    const res = await eventually('the audit trail through the api', async () => {
      const r = await fetch(`${api}/v1/audit?limit=1`, { headers: { authorization: `Bearer ${token}` } });
      return r.status === 200 ? r : undefined;
    }, 30_000);
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
  }, 120_000);

  // `timeout` and supervisors send SIGTERM to the whole group (a terminal's Ctrl-C, SIGINT): every
  // process gets it at once, PostgreSQL and nats-server may be gone before npm start stops them.
  it('stops everything on a SIGTERM to its process group and exits 0', async () => {
    process.kill(-start.pid!, 'SIGTERM');
    expect(await exited()).toBe(0);
    const left = spawnSync('pgrep', ['-f', home], { encoding: 'utf8' });
    expect(left.stdout.trim()).toBe('');
  }, 90_000);
});
