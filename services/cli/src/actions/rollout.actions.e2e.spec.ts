import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { pushModelArgs, rolloutCreateArgs, writeSampleModel } from '../test-fixtures/cli-lines.js';
import { keelson, type CliRun } from '../test-fixtures/run-cli.js';

// Creating, controlling, retrying and promoting rollouts, and channels; the rest of the CLI: cli.e2e.spec.ts.
describe('keelson rollout and channel against the api', () => {
  let t: ApiTestApp;
  let dir: string;
  let run: (...args: string[]) => Promise<CliRun>;

  beforeAll(async () => {
    t = await startApiApp();
    run = (...args) => keelson(t.url, t.adminToken, ...args);
    dir = mkdtempSync(join(tmpdir(), 'keelson-cli-rollout-'));
    t.gateway.addDevice('default', 'dev-1', 'cam-01');
    t.gateway.addDevice('default', 'dev-2', 'cam-02');
    writeSampleModel(dir, 'model bytes');
    const pushed = await run(...pushModelArgs(dir, 'yolo-v8n', '2.1.0'));
    expect(pushed).toMatchObject({ code: 0, stderr: '' });
    expect((await run('group', 'create', 'line-7', '--devices', 'cam-01,cam-02')).code).toBe(0);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let rolloutId: string;

  it('creates a rollout with the default probe timing and gates', async () => {
    const res = await run(...rolloutCreateArgs('yolo-v8n@2.1.0', ['--group', 'line-7'], '10,50,100', 'file:/run/app/ready', '--json'));
    expect(res.code).toBe(0);
    const view = res.json();
    expect(view.probe).toEqual({ kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3, initialDelaySeconds: 0 });
    expect(view.strategy).toEqual({
      waves: [
        { percent: 10, gate: 'auto' },
        { percent: 50, gate: 'auto' },
        { percent: 100, gate: 'auto' },
      ],
      maxFailures: 0,
    });
    rolloutId = view.rolloutId;
  });

  it('fails with the API message for invalid probe settings and an unknown group, creating nothing', async () => {
    const before = t.orchestrator.rollouts.size;
    const bad = await run(
      ...rolloutCreateArgs(
        'yolo-v8n@2.1.0',
        ['--group', 'line-7'],
        '100',
        'exec:/bin/check',
        '--probe-timeout',
        '0',
        '--probe-attempts',
        '11',
      ),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('probe.timeoutSeconds');
    expect(bad.stderr).toContain('probe.attempts');
    const noGroup = await run(...rolloutCreateArgs('yolo-v8n@2.1.0', ['--group', 'nope'], '100', 'file:/x', '--json'));
    expect(noGroup.code).toBe(1);
    expect(noGroup.json().error.code).toBe('group.not-found');
    expect(t.orchestrator.rollouts.size).toBe(before);
  });

  it('shows, halts, resumes, approves and aborts', async () => {
    const shown = (await run('rollout', 'show', rolloutId)).stdout;
    expect(shown).toMatch(/status running, wave 1 of 3/);
    expect(shown).toMatch(/DEVICE\s+NAME\s+WAVE\s+STATE/);
    expect(shown).toMatch(/dev-1\s+cam-01\s+1\s+assigned/); // the table names each device
    expect((await run('rollout', 'halt', rolloutId, '--json')).json().status).toBe('halted');
    expect((await run('rollout', 'resume', rolloutId, '--json')).json().status).toBe('running');
    expect((await run('rollout', 'approve', rolloutId)).code).toBe(0);
    const aborted = await run('rollout', 'abort', rolloutId, '--revert', '--json');
    expect(aborted.json()).toMatchObject({ status: 'aborted', abortMode: 'revert' });
  });

  it('passes an exec probe its arguments, in order', async () => {
    const res = await run(
      ...rolloutCreateArgs(
        'yolo-v8n@2.1.0',
        ['--device', 'cam-02'],
        '100',
        'exec:/opt/app/check',
        '--probe-arg=--ready',
        '--probe-arg',
        '5',
        '--json',
      ),
    );
    expect(res.code).toBe(0);
    expect(t.orchestrator.received.at(-1)?.input.probe).toMatchObject({ kind: 'exec', path: '/opt/app/check', args: ['--ready', '5'] });
  });

  it('forces a version onto one device by name, then retries and promotes', async () => {
    const target = ['--device', 'cam-01', '--supersede', 'known-good', '--on-misfit', 'exclude'];
    const res = await run(...rolloutCreateArgs('yolo-v8n@2.1.0', target, '100', 'file:/x'));
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/to devices cam-01/);
    expect(t.orchestrator.received.at(-1)?.input).toMatchObject({
      deviceNames: ['cam-01'],
      supersede: { reason: 'known-good' },
      onMisfit: 'exclude',
    });
    const created = [...t.orchestrator.rollouts.values()].at(-1)!;
    expect((await run('rollout', 'retry', created.rolloutId, '--json')).json()).toMatchObject({ retryOf: created.rolloutId });
    const promoted = await run('rollout', 'promote', created.rolloutId, '--channel', 'stable');
    expect(promoted).toMatchObject({ code: 0, stdout: expect.stringMatching(/stable\s+2\.1\.0/) });
    expect((await run('rollout', 'promote', created.rolloutId)).code).toBe(2);
  });

  it('lists and sets channels, and rolls a channel out', async () => {
    expect((await run('channel', 'set', 'yolo-v8n', 'canary', '--version', '2.1.0', '--reason', 'candidate')).code).toBe(0);
    expect(t.orchestrator.received.at(-1)).toMatchObject({
      command: 'set-channel',
      input: { artifactName: 'yolo-v8n', channel: 'canary', version: '2.1.0', reason: 'candidate' },
    });
    expect((await run('channel', 'list', 'yolo-v8n')).stdout).toMatch(/canary\s+2\.1\.0/);
    const res = await run(
      ...rolloutCreateArgs('yolo-v8n@canary', ['--device', 'cam-01', '--supersede', 'next candidate'], '100', 'file:/x', '--json'),
    );
    expect(res.json()).toMatchObject({ artifact: { version: '2.1.0' } });
    expect(t.orchestrator.received.at(-1)?.input.artifact).toEqual({ name: 'yolo-v8n', channel: 'canary' });
  });

  it('refuses an abort without --keep or --revert, and an unknown rollout', async () => {
    expect((await run('rollout', 'abort', rolloutId)).code).toBe(2);
    const missing = await run('rollout', 'show', 'r-missing');
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("rollout 'r-missing' was not found") });
  });
});
