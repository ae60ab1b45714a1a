// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { keelson, type CliRun } from '../test-fixtures/run-cli.js';

const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3 };

describe('keelson rollout list', () => {
  let t: ApiTestApp;
  const ids: string[] = [];

  const run = (...args: string[]): Promise<CliRun> => keelson(t.url, t.adminToken, 'rollout', 'list', ...args);

  beforeAll(async () => {
    t = await startApiApp();
    t.gateway.addDevice('default', 'dev-1', 'cam-01');
    t.gateway.groups.push({ fleet: 'default', groupId: 'g-1', name: 'line-7', deviceIds: ['dev-1'], unresolvedNames: [] });
    t.registry.receive({
      fleet: 'default',
      name: 'cfg',
      version: '1.0.0',
      kind: 'config',
      manifest: { kind: 'config' },
      fileName: 'c.json',
      sha256: 'c'.repeat(64),
      length: 1,
    });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${t.url}/v1/rollouts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          artifact: 'cfg@1.0.0',
          group: 'g-1',
          probe,
          strategy: {
            waves: [
              { percent: 50, gate: 'auto' },
              { percent: 100, gate: 'auto' },
            ],
          },
        }),
      });
      ids.push(((await res.json()) as { rolloutId: string }).rolloutId);
    }
    await fetch(`${t.url}/v1/rollouts/${ids[1]}/abort`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'keep' }),
    });
  });
  afterAll(() => t.close());

  it('prints a table of rollouts: id, artifact, status, wave, devices, created', async () => {
    const { code, stdout } = await run();
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ROLLOUT\s+ARTIFACT\s+STATUS\s+WAVE\s+DEVICES\s+CREATED$/);
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith(ids[1]!))).toMatch(
      new RegExp(`^${ids[1]}\\s+cfg@1\\.0\\.0\\s+aborted\\s+1/2\\s+1\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`),
    );
  });

  it('filters by status and stops at the limit', async () => {
    const aborted = await run('--status', 'aborted', '--json');
    expect((JSON.parse(aborted.stdout) as { items: { rolloutId: string }[] }).items.map((r) => r.rolloutId)).toEqual([ids[1]]);
    const running = (await run('--status', 'running')).stdout.trim().split('\n');
    expect(
      running
        .slice(1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual([ids[0], ids[2]].sort());
    expect((await run('--limit', '1')).stdout.trim().split('\n')).toHaveLength(2);
    expect((await run('--status', 'succeeded')).stdout).toBe('no succeeded rollouts\n');
  });

  it('refuses a status or limit it cannot use, with a usage error', async () => {
    expect(await run('--status', 'done')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('--status takes one of running, awaiting-approval'),
    });
    expect(await run('--limit', '0')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--limit must be a whole number from 1 to 1000'),
    });
  });
});
