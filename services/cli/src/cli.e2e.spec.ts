import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@keelson/testing';
// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { pushModelArgs, sampleManifest as manifest, writeSampleModel } from './test-fixtures/cli-lines.js';
import { keelson, type CliRun } from './test-fixtures/run-cli.js';

// Rollouts and channels: actions/rollout.actions.e2e.spec.ts.
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
      writeSampleModel(dir, bytes);
      const pushed = await run(...pushModelArgs(dir, 'yolo-v8n', '2.1.0', {}, '--json'));
      expect(pushed.code).toBe(0);
      expect(pushed.json()).toMatchObject({
        name: 'yolo-v8n',
        version: '2.1.0',
        length: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        targetPath: 'model/yolo-v8n/2.1.0/yolo.onnx',
        manifest,
      });
      expect(t.facade.uploads.at(-1)!.headers['transfer-encoding']).toBe('chunked');

      const list = await run('artifact', 'list');
      expect(list.stdout).toMatch(/yolo-v8n\s+2\.1\.0\s+model\s+published/);
      expect((await run('artifact', 'list', '--json')).json().items).toHaveLength(1);
    });

    it('fails with the API message when the version exists, and on a manifest that is not JSON', async () => {
      writeFileSync(join(dir, 'bad.json'), '{oops');
      const again = await run(...pushModelArgs(dir, 'yolo-v8n', '2.1.0'));
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('yolo-v8n@2.1.0 exists');
      const bad = await run(...pushModelArgs(dir, 'x', '1', { manifest: join(dir, 'bad.json') }));
      expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('is not JSON') });
    });
  });

  describe('artifact push of a config', () => {
    it('needs no manifest file: the form goes without one and the config is pushed', async () => {
      writeFileSync(join(dir, 'app.json'), '{"threshold":0.4}');
      const flags = ['--name', 'app-settings', '--version', '1.0.0', '--kind', 'config', '--json'];
      const pushed = await run('artifact', 'push', join(dir, 'app.json'), ...flags);
      expect(pushed.code).toBe(0);
      expect(pushed.json()).toMatchObject({
        name: 'app-settings',
        kind: 'config',
        manifest: { kind: 'config' },
        targetPath: 'config/app-settings/1.0.0/app.json',
      });
    });

    it('still asks a model for its manifest, before anything is sent', async () => {
      const uploads = t.facade.uploads.length;
      const model = await run('artifact', 'push', join(dir, 'yolo.onnx'), '--name', 'no-manifest', '--version', '1.0.0', '--kind', 'model');
      expect(model).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('artifact push needs --manifest (only a config may go without a manifest)'),
      });
      expect(t.facade.uploads).toHaveLength(uploads);
    });
  });

  describe('artifact push waits for the signer', () => {
    const push = (version: string, ...extra: string[]) => run(...pushModelArgs(dir, 'slow-model', version, {}, ...extra));
    beforeEach(() => (t.registry.holdSigning = true));
    afterEach(() => (t.registry.holdSigning = false));
    /** Until the CLI, having pushed, asked for the artifact and was told it is not there yet (or until it ended). */
    const waitingFor = async (pushing: Promise<CliRun>, artifact: string) => {
      let ended = false;
      void pushing.then(
        () => (ended = true),
        () => (ended = true),
      );
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
      expect(await pushing).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('slow-model@1.0.1 was rejected: the manifest names no runtime'),
      });
    });

    it('gives up after --wait-seconds with what to do next; --no-wait returns at once', async () => {
      const late = await push('1.0.2', '--wait-seconds', '1');
      expect(late).toMatchObject({ code: 1, stderr: expect.stringContaining('slow-model@1.0.2 is stored but not signed after 1 s') });
      const noWait = await push('1.0.3', '--no-wait');
      expect(noWait).toMatchObject({ code: 0, stdout: expect.stringMatching(/pushed slow-model@1\.0\.3 .*: received/) });
      expect(await push('1.0.4', '--wait-seconds', 'soon')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--wait-seconds must be a whole number'),
      });
      expect(t.registry.artifacts.some((a) => a.version === '1.0.4')).toBe(false); // a bad flag uploads nothing
    });
  });

  describe('device', () => {
    it('prints the enroll command line for a new token', async () => {
      const res = await run('device', 'token');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(
        /^npx keelson-agent enroll --gateway https:\/\/gateway\.example\.test:8443 --token ket_default_\S+ --data-dir \.\/device-data\n$/,
      );
      expect((await run('device', 'token', '--json')).json()).toMatchObject({
        tokenId: expect.any(String),
        enrollCommand: expect.stringContaining('keelson-agent enroll'),
      });
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

  it('lists the audit trail with filters', async () => {
    t.audit.add('default', 'RolloutCreated', { rolloutId: 'r-a' });
    t.audit.add('default', 'RolloutCreated', { rolloutId: 'r-b' });
    const res = await run('audit', 'list', '--rollout', 'r-b', '--json');
    expect(res.code).toBe(0);
    expect(res.json().items.map((e: { data: { rolloutId: string } }) => e.data.rolloutId)).toEqual(['r-b']);
    expect((await run('audit', 'list')).stdout).toContain('rollout.RolloutCreated');
    const newest = (await run('audit', 'list', '--newest', '--json'))
      .json()
      .items.map((e: { data: { rolloutId: string } }) => e.data.rolloutId);
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
