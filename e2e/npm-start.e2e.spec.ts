import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startNpmStart, type RunningStart } from './support/npm-start.js';
import { eventually } from './support/operator.js';
import { repoRoot } from './support/test-platform.js';

// The first of the README's two commands, as a newcomer runs it: `npm start` brings the platform
// up with a simulated fleet and prints a tour; every line of the tour, pasted into bash, works.
describe('npm start and its tour', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'keelson-tour-'));
  let running: RunningStart;

  beforeAll(async () => {
    running = await startNpmStart(4);
  }, 300_000);

  afterAll(async () => {
    await running?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('prints where to look, and a tour whose every line works: push, group, rollout, watch, audit, promote, selector behind a gate, an experiment promoted by itself', () => {
    expect(running.printed()).toMatch(/API +http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(running.printed()).toMatch(/Fleet +'default': 4 simulated devices/);
    // The slower and the equal candidates' lines end aborted and inconclusive (e2e/experiment-decisions.e2e.spec.ts has both):
    // the tour runs up to them, and checks they are printed with the flags that make them end soon.
    const [runnable, more] = running.printed().split('A slower candidate is aborted');
    expect(more).toMatch(/experiment create --candidate yolo-v8n@2\.3\.0 --baseline yolo-v8n@2\.2\.0 .*--max-duration 90s/);
    expect(more).toMatch(/experiment decide .* --abort --reason/);
    const tour = runnable!
      .split('\n')
      .filter((line) => line.startsWith('  npx keelson') || line.startsWith('  export KEELSON_'))
      .map((line) => line.trim().replace(/\/tmp\/keelson-(rollout|experiment)/g, `${scratch}/$1`));
    expect(tour.length).toBeGreaterThanOrEqual(17);
    // Run from the repository, as the README says; `npx` finds the pinned Node in node_modules/.bin.
    const script = ['set -euo pipefail', ...tour].join('\n');
    const ran = spawnSync('bash', ['-c', script], {
      cwd: repoRoot,
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
      encoding: 'utf8',
      timeout: 330_000,
    });
    if (ran.status !== 0)
      throw new Error(`the tour failed (exit ${ran.status}):\n${ran.stdout.slice(-3_000)}\n${ran.stderr.slice(-2_000)}`);
    expect(ran.stdout.match(/rollout succeeded/g)).toHaveLength(3); // the group rollout, the selector's, the promoted candidate's
    expect(ran.stdout).toMatch(/wave \d\/2: 1 devices — 1 healthy/); // sim-1 is the only north box with 8 GB of the four
    expect(ran.stdout).toContain('wave 1 approved');
    // The experiment: promoted by itself, and the watch showed the numbers of the verdict (each look's line: experiment-decisions.e2e.spec.ts).
    expect(ran.stdout).toMatch(/decided promote \(automatic\)/);
    expect(ran.stdout).toMatch(/primary confidence_mean:higher +\+0\.0\d+ +\[[0-9.]+, [0-9.]+\] +better/);
    expect(ran.stdout).toContain('ended: promoted');
  }, 400_000);

  // As a cluster would: a service process that dies is started again, and says so.
  it('starts a killed service again', async () => {
    const children = spawnSync('pgrep', ['-P', String(running.process.pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .map(Number);
    const audit = children.find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join('services', 'audit', 'dist', 'main.js')),
    );
    expect(audit).toBeDefined();
    process.kill(audit!, 'SIGKILL');
    const again = await eventually(
      'the audit service to start again',
      async () => /keelson: audit started again \(pid (\d+)\)/.exec(running.printed())?.[1],
      60_000,
    );
    expect(Number(again)).not.toBe(audit);
    expect(running.printed()).toContain('keelson: audit exited (killed by a signal); starting it again in 1 s');
    // It serves again: the audit trail, through the api.
    const api = /API +(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(running.printed())![1];
    const token = /Admin token +(\S+)/.exec(running.printed())![1];
    const res = await eventually(
      'the audit trail through the api',
      async () => {
        const r = await fetch(`${api}/v1/audit?limit=1`, { headers: { authorization: `Bearer ${token}` } });
        return r.status === 200 ? r : undefined;
      },
      30_000,
    );
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
  }, 120_000);

  // `timeout` and supervisors send SIGTERM to the whole group (a terminal's Ctrl-C sends SIGINT:
  // npm-start-ctrl-c.e2e.spec.ts): every process gets it at once, PostgreSQL and nats-server may be
  // gone before npm start stops them.
  it('stops everything on a SIGTERM to its process group and exits 0', async () => {
    process.kill(-running.process.pid!, 'SIGTERM');
    expect(await running.exited()).toBe(0);
    expect(running.leftovers()).toBe('');
  }, 90_000);
});
