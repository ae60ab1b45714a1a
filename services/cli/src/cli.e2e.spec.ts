import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@keelson/testing';
// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { keelson, type CliRun } from './test-fixtures/run-cli.js';

describe('the keelson CLI against the api', () => {
  let t: ApiTestApp;
  let dir: string;
  let run: (...args: string[]) => Promise<CliRun>;

  beforeAll(async () => {
    t = await startApiApp();
    run = (...args) => keelson(t.url, t.adminToken, ...args);
    dir = mkdtempSync(join(tmpdir(), 'keelson-cli-'));
    t.gateway.addDevice('default', 'dev-1', 'cam-01');
    t.gateway.addDevice('default', 'dev-2', 'cam-02');
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('artifact', () => {
    it('pushes a file as a streamed multipart upload and lists it', async () => {
      const bytes = randomBytes(300 * 1024);
      writeFileSync(join(dir, 'yolo.onnx'), bytes);
      const manifest = { kind: 'model', framework: 'onnx', inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }], metrics: { mAP: 0.37 }, hardware: {} };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      const pushed = await run('artifact', 'push', join(dir, 'yolo.onnx'), '--name', 'yolo-v8n', '--version', '2.1.0', '--kind', 'model', '--manifest', join(dir, 'manifest.json'), '--json');
      expect(pushed.code).toBe(0);
      expect(pushed.json()).toMatchObject({ name: 'yolo-v8n', version: '2.1.0', length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), targetPath: 'model/yolo-v8n/2.1.0/yolo.onnx', manifest });
      expect(t.facade.uploads.at(-1)!.headers['transfer-encoding']).toBe('chunked');

      const list = await run('artifact', 'list');
      expect(list.stdout).toMatch(/yolo-v8n\s+2\.1\.0\s+model\s+published/);
      expect((await run('artifact', 'list', '--json')).json().items).toHaveLength(1);
    });

    it('fails with the API message when the version exists, and on a manifest that is not JSON', async () => {
      writeFileSync(join(dir, 'bad.json'), '{oops');
      const again = await run('artifact', 'push', join(dir, 'yolo.onnx'), '--name', 'yolo-v8n', '--version', '2.1.0', '--kind', 'model', '--manifest', join(dir, 'manifest.json'));
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('yolo-v8n@2.1.0 exists');
      const bad = await run('artifact', 'push', join(dir, 'yolo.onnx'), '--name', 'x', '--version', '1', '--kind', 'model', '--manifest', join(dir, 'bad.json'));
      expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('is not JSON') });
    });
  });

  describe('artifact push of a config', () => {
    it('needs no manifest file: the form goes without one and the config is pushed', async () => {
      writeFileSync(join(dir, 'app.json'), '{"threshold":0.4}');
      const pushed = await run('artifact', 'push', join(dir, 'app.json'), '--name', 'app-settings', '--version', '1.0.0', '--kind', 'config', '--json');
      expect(pushed.code).toBe(0);
      expect(pushed.json()).toMatchObject({ name: 'app-settings', kind: 'config', manifest: { kind: 'config' }, targetPath: 'config/app-settings/1.0.0/app.json' });
    });

    it('still asks a model for its manifest, before anything is sent', async () => {
      const uploads = t.facade.uploads.length;
      const model = await run('artifact', 'push', join(dir, 'yolo.onnx'), '--name', 'no-manifest', '--version', '1.0.0', '--kind', 'model');
      expect(model).toMatchObject({ code: 2, stderr: expect.stringContaining('artifact push needs --manifest (only a config may go without a manifest)') });
      expect(t.facade.uploads).toHaveLength(uploads);
    });
  });

  describe('artifact push waits for the signer', () => {
    const push = (version: string, ...extra: string[]) =>
      run('artifact', 'push', join(dir, 'yolo.onnx'), '--name', 'slow-model', '--version', version, '--kind', 'model', '--manifest', join(dir, 'manifest.json'), ...extra);
    beforeEach(() => (t.registry.holdSigning = true));
    afterEach(() => (t.registry.holdSigning = false));
    /** Until the CLI, having pushed, asked for the artifact and was told it is not there yet (or until it ended). */
    const waitingFor = async (pushing: Promise<CliRun>, artifact: string) => {
      let ended = false;
      void pushing.then(() => (ended = true), () => (ended = true));
      await eventually(() => ended || t.registry.reads.includes(artifact));
    };

    it('returns once the artifact is published, so a rollout can bind it next', async () => {
      const pushing = push('1.0.0', '--json');
      await waitingFor(pushing, 'slow-model@1.0.0');
      t.registry.sign('slow-model', '1.0.0');
      const pushed = await pushing;
      expect(pushed.code).toBe(0);
      expect(pushed.json()).toMatchObject({ name: 'slow-model', version: '1.0.0', status: 'published', publishedAt: expect.any(String) });
    });

    it('fails with the reason when the signer rejects it', async () => {
      const pushing = push('1.0.1');
      await waitingFor(pushing, 'slow-model@1.0.1');
      t.registry.sign('slow-model', '1.0.1', { rejected: 'the manifest names no runtime' });
      expect(await pushing).toMatchObject({ code: 1, stderr: expect.stringContaining('slow-model@1.0.1 was rejected: the manifest names no runtime') });
    });

    it('gives up after --wait-seconds with what to do next; --no-wait returns at once', async () => {
      const late = await push('1.0.2', '--wait-seconds', '1');
      expect(late).toMatchObject({ code: 1, stderr: expect.stringContaining('slow-model@1.0.2 is stored but not signed after 1 s') });
      const noWait = await push('1.0.3', '--no-wait');
      expect(noWait).toMatchObject({ code: 0, stdout: expect.stringMatching(/pushed slow-model@1\.0\.3 .*: received/) });
      expect(await push('1.0.4', '--wait-seconds', 'soon')).toMatchObject({ code: 2, stderr: expect.stringContaining("--wait-seconds must be a whole number") });
      expect(t.registry.artifacts.some((a) => a.version === '1.0.4')).toBe(false); // a bad flag uploads nothing
    });
  });

  describe('device', () => {
    it('prints the enroll command line for a new token', async () => {
      const res = await run('device', 'token');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^npx keelson-agent enroll --gateway https:\/\/gateway\.example\.test:8443 --token ket_default_\S+ --data-dir \.\/device-data\n$/);
      expect((await run('device', 'token', '--json')).json()).toMatchObject({ tokenId: expect.any(String), enrollCommand: expect.stringContaining('keelson-agent enroll') });
    });

    it('lists devices, per fleet', async () => {
      expect((await run('device', 'list')).stdout).toMatch(/dev-1\s+cam-01\s+active\s+yes/);
      expect((await run('device', 'list', '--fleet', 'plant-9', '--json')).json().items).toEqual([]);
    });
  });

  it('creates a group and warns about names that match no device', async () => {
    const res = await run('group', 'create', 'line-7', '--devices', 'cam-01,cam-02,cam-77');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('group line-7');
    expect(res.stderr).toContain('warning: no device is named cam-77');
  });

  describe('rollout', () => {
    let rolloutId: string;

    it('creates a rollout with the default probe timing and gates', async () => {
      const res = await run('rollout', 'create', '--artifact', 'yolo-v8n@2.1.0', '--group', 'line-7', '--waves', '10,50,100', '--probe', 'file:/run/app/ready', '--json');
      expect(res.code).toBe(0);
      const view = res.json();
      expect(view.probe).toEqual({ kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3, initialDelaySeconds: 0 });
      expect(view.strategy).toEqual({ waves: [{ percent: 10, gate: 'auto' }, { percent: 50, gate: 'auto' }, { percent: 100, gate: 'auto' }], maxFailures: 0 });
      rolloutId = view.rolloutId;
    });

    it('fails with the API message for invalid probe settings and an unknown group, creating nothing', async () => {
      const before = t.orchestrator.rollouts.size;
      const bad = await run('rollout', 'create', '--artifact', 'yolo-v8n@2.1.0', '--group', 'line-7', '--waves', '100', '--probe', 'exec:/bin/check', '--probe-timeout', '0', '--probe-attempts', '11');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('probe.timeoutSeconds');
      expect(bad.stderr).toContain('probe.attempts');
      const noGroup = await run('rollout', 'create', '--artifact', 'yolo-v8n@2.1.0', '--group', 'nope', '--waves', '100', '--probe', 'file:/x', '--json');
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
      const res = await run('rollout', 'create', '--artifact', 'yolo-v8n@2.1.0', '--device', 'cam-02', '--waves', '100', '--probe', 'exec:/opt/app/check', '--probe-arg=--ready', '--probe-arg', '5', '--json');
      expect(res.code).toBe(0);
      expect(t.orchestrator.received.at(-1)?.input.probe).toMatchObject({ kind: 'exec', path: '/opt/app/check', args: ['--ready', '5'] });
    });

    it('forces a version onto one device by name, then retries and promotes', async () => {
      const res = await run('rollout', 'create', '--artifact', 'yolo-v8n@2.1.0', '--device', 'cam-01', '--supersede', 'known-good', '--on-misfit', 'exclude', '--waves', '100', '--probe', 'file:/x');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/to devices cam-01/);
      expect(t.orchestrator.received.at(-1)?.input).toMatchObject({ deviceNames: ['cam-01'], supersede: { reason: 'known-good' }, onMisfit: 'exclude' });
      const created = [...t.orchestrator.rollouts.values()].at(-1)!;
      expect((await run('rollout', 'retry', created.rolloutId, '--json')).json()).toMatchObject({ retryOf: created.rolloutId });
      const promoted = await run('rollout', 'promote', created.rolloutId, '--channel', 'stable');
      expect(promoted).toMatchObject({ code: 0, stdout: expect.stringMatching(/stable\s+2\.1\.0/) });
      expect((await run('rollout', 'promote', created.rolloutId)).code).toBe(2);
    });

    it('lists and sets channels, and rolls a channel out', async () => {
      expect((await run('channel', 'set', 'yolo-v8n', 'canary', '--version', '2.1.0', '--reason', 'candidate')).code).toBe(0);
      expect(t.orchestrator.received.at(-1)).toMatchObject({ command: 'set-channel', input: { artifactName: 'yolo-v8n', channel: 'canary', version: '2.1.0', reason: 'candidate' } });
      expect((await run('channel', 'list', 'yolo-v8n')).stdout).toMatch(/canary\s+2\.1\.0/);
      const res = await run('rollout', 'create', '--artifact', 'yolo-v8n@canary', '--device', 'cam-01', '--supersede', 'next candidate', '--waves', '100', '--probe', 'file:/x', '--json');
      expect(res.json()).toMatchObject({ artifact: { version: '2.1.0' } });
      expect(t.orchestrator.received.at(-1)?.input.artifact).toEqual({ name: 'yolo-v8n', channel: 'canary' });
    });

    it('refuses an abort without --keep or --revert, and an unknown rollout', async () => {
      expect((await run('rollout', 'abort', rolloutId)).code).toBe(2);
      const missing = await run('rollout', 'show', 'r-missing');
      expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("rollout 'r-missing' was not found") });
    });
  });

  it('lists the audit trail with filters', async () => {
    t.audit.add('default', 'RolloutCreated', { rolloutId: 'r-a' });
    t.audit.add('default', 'RolloutCreated', { rolloutId: 'r-b' });
    const res = await run('audit', 'list', '--rollout', 'r-b', '--json');
    expect(res.code).toBe(0);
    expect(res.json().items.map((e: { data: { rolloutId: string } }) => e.data.rolloutId)).toEqual(['r-b']);
    expect((await run('audit', 'list')).stdout).toContain('rollout.RolloutCreated');
    const newest = (await run('audit', 'list', '--newest', '--json')).json().items.map((e: { data: { rolloutId: string } }) => e.data.rolloutId);
    expect(newest.slice(0, 2)).toEqual(['r-b', 'r-a']);
    expect(t.audit.lastQuery).toMatchObject({ order: 'newest' });
    expect((await run('audit', 'list', '--type', 'rollout.RolloutCreated,WaveApproved')).code).toBe(0);
    expect(t.audit.lastQuery).toMatchObject({ types: ['RolloutCreated', 'WaveApproved'] });
  });

  describe('failures', () => {
    it('exits 1 with the API message for a wrong token, and 2 without one', async () => {
      const wrong = await keelson(t.url, 'kadm_wrong-token-wrong-token', 'device', 'list');
      expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('a valid bearer token is required') });
      expect((await keelson(t.url, undefined, 'device', 'list')).code).toBe(2);
    });

    it('exits 1 when the API cannot be reached, and --json still prints JSON', async () => {
      const res = await keelson('http://127.0.0.1:1', 'token', 'device', 'list', '--json');
      expect(res.code).toBe(1);
      expect(res.json().error).toMatchObject({ kind: 'Unavailable', code: 'api.unreachable' });
    });

    it('exits 2 on an unknown command or flag, and on a bad fleet the API refuses with 1', async () => {
      expect((await run('rollout', 'explode')).code).toBe(2);
      expect((await run('device', 'list', '--colour')).code).toBe(2);
      expect((await run('device', 'list', '--fleet', 'Bad.Fleet')).code).toBe(1);
    });
  });
});
