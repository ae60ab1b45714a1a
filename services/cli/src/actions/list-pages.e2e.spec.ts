// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { keelson, type CliRun } from '../test-fixtures/run-cli.js';

describe('keelson device list and audit list, past the first page', () => {
  let t: ApiTestApp;
  let run: (...args: string[]) => Promise<CliRun>;
  // Runs the `more:` line a page printed, as a user pasting it would.
  const follow = (stderr: string) => run(...stderr.match(/^more: keelson (.+)$/m)![1]!.split(' '));

  beforeAll(async () => {
    t = await startApiApp();
    run = (...args) => keelson(t.url, t.adminToken, ...args);
    for (const n of [1, 2, 3]) t.gateway.addDevice('yard-3', `dev-p${n}`, `cam-p${n}`);
    for (const id of ['r-p1', 'r-p2', 'r-p3']) t.audit.add('yard-3', 'RolloutCreated', { rolloutId: id });
  });
  afterAll(() => t.close());

  it('device list prints the line that reads the next page on stderr, and that line reads it', async () => {
    const first = await run('device', 'list', '--fleet', 'yard-3', '--limit', '2');
    expect(first.stdout).toMatch(/dev-p1.*\n.*dev-p2/);
    expect(first.stdout).not.toMatch(/dev-p3/);
    expect(first.stderr).toMatch(/^more: keelson device list --fleet yard-3 --limit 2 --cursor \S+\n$/);
    const second = await follow(first.stderr);
    expect(second).toMatchObject({ code: 0, stderr: '' }); // the last page says nothing more
    expect(second.stdout).toMatch(/dev-p3/);
    expect(second.stdout).not.toMatch(/dev-p[12]/);
  });

  it('audit list does the same and keeps its filters on the next page', async () => {
    const first = await run('audit', 'list', '--fleet', 'yard-3', '--newest', '--limit', '2');
    expect(first.stdout).toMatch(/r-p3[\s\S]*r-p2/);
    expect(first.stderr).toMatch(/^more: keelson audit list --fleet yard-3 --newest --limit 2 --cursor \S+\n$/);
    const second = await follow(first.stderr);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/r-p1/);
    expect(second.stdout).not.toMatch(/r-p[23]/);
    expect(t.audit.lastQuery).toMatchObject({ fleet: 'yard-3', order: 'newest', limit: 2, cursor: expect.any(String) });
  });

  it('leaves the cursor in the JSON and prints no hint there', async () => {
    const devices = await run('device', 'list', '--fleet', 'yard-3', '--limit', '2', '--json');
    expect(devices.json()).toMatchObject({ items: [{ deviceId: 'dev-p1' }, { deviceId: 'dev-p2' }], nextCursor: expect.any(String) });
    expect(devices.stderr).toBe('');
    const entries = await run('audit', 'list', '--fleet', 'yard-3', '--limit', '2', '--json');
    expect(entries.json().nextCursor).toEqual(expect.any(String));
    expect(entries.stderr).toBe('');
  });

  it('refuses a --limit or --cursor that is not one', async () => {
    expect(await run('device', 'list', '--limit', 'all')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--limit must be a whole number, got 'all'"),
    });
    expect(await run('audit', 'list', '--limit', '2x')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--limit must be a whole number'),
    });
    expect(await run('audit', 'list', '--cursor', '')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--cursor needs the cursor'),
    });
    expect(await run('audit', 'list', '--fleet', 'yard-3', '--cursor', 'nope')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not a cursor'),
    });
  });
});
