import { apiClient } from './test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from './test-fixtures/api-app.js';

const model = { name: 'yolo-v8n', version: '2.1.0' };
const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3 };
const strategy = {
  waves: [
    { percent: 10, gate: 'auto' },
    { percent: 100, gate: 'manual' },
  ],
};

describe('the operator api', () => {
  let t: ApiTestApp;
  let call: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    t = await startApiApp();
    call = apiClient(t.url, t.adminToken);
    t.gateway.addDevice('default', 'dev-a1', 'cam-01');
    t.gateway.addDevice('default', 'dev-a2', 'cam-02');
    t.gateway.addDevice('plant-7', 'dev-p1', 'cam-01');
    t.registry.receive({
      fleet: 'default',
      ...model,
      kind: 'config',
      manifest: { kind: 'config', format: 'json' },
      fileName: 'model.json',
      sha256: 'a'.repeat(64),
      length: 12,
    });
  });
  afterAll(() => t.close());

  describe('when the bearer token is missing or wrong', () => {
    it.each([
      ['no header', undefined],
      ['another token', 'kadm_not-the-admin-token-at-all'],
      ['the token without Bearer', 'raw'],
    ])('answers 401 with the standard body (%s)', async (_case, token) => {
      const res = await fetch(`${t.url}/v1/devices`, {
        headers: token === 'raw' ? { authorization: t.adminToken } : token ? { authorization: `Bearer ${token}` } : {},
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await res.json()).toEqual({ error: { kind: 'Unauthorized', code: 'auth.unauthenticated', message: expect.any(String) } });
    });

    it('answers an unknown route with the standard 404 body', async () => {
      expect(await call('GET', '/v1/nothing-here')).toMatchObject({
        status: 404,
        body: { error: { kind: 'NotFound', code: 'route.not-found' } },
      });
    });

    it('keeps /healthz, /readyz and /metrics open', async () => {
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${t.url}/metrics`)).status).toBe(200);
    });
  });

  describe('fleet', () => {
    it('defaults to `default` and scopes every read', async () => {
      expect((await call('GET', '/v1/devices')).body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(['dev-a1', 'dev-a2']);
      expect((await call('GET', '/v1/devices?fleet=plant-7')).body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(['dev-p1']);
    });

    it.each(['Plant.7', 'a.>', '-x', 'x'.repeat(64)])('refuses %s as a fleet with 400 before asking any service', async (fleet) => {
      const before = t.gateway.contexts.length;
      const res = await call('GET', `/v1/devices?fleet=${encodeURIComponent(fleet)}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        kind: 'InvalidInput',
        code: 'query.invalid',
        issues: [{ path: ['fleet'], message: expect.any(String) }],
      });
      expect(t.gateway.contexts.length).toBe(before);
    });
  });

  it('forwards as operator:admin with a fresh command and correlation id per request', async () => {
    await call('GET', '/v1/devices');
    await call('GET', '/v1/devices');
    const [a, b] = t.gateway.contexts.slice(-2);
    expect(a!.actor).toEqual({ kind: 'operator', id: 'admin' });
    expect(a!.commandId).not.toBe(b!.commandId);
    expect(a!.correlationId).not.toBe(b!.correlationId);
  });

  describe('artifacts', () => {
    it('lists and gets one', async () => {
      expect((await call('GET', '/v1/artifacts')).body.items).toHaveLength(1);
      expect((await call('GET', '/v1/artifacts/yolo-v8n/2.1.0')).body).toMatchObject({ ...model, status: 'published' });
    });
    it('answers 404 for an unknown version and 400 for a bad name', async () => {
      expect((await call('GET', '/v1/artifacts/yolo-v8n/9.9.9')).body.error).toMatchObject({
        kind: 'NotFound',
        code: 'artifact.not-found',
      });
      expect((await call('GET', '/v1/artifacts/Bad%20Name/1')).status).toBe(400);
    });
  });

  describe('enrollment tokens', () => {
    it('mints a token and prints the enroll command with the gateway url', async () => {
      const res = await call('POST', '/v1/enrollment-tokens', { ttlSeconds: 600, labels: { line: '7' } });
      expect(res.status).toBe(201);
      expect(res.body.gatewayUrl).toBe(t.gatewayUrl);
      expect(res.body.enrollCommand).toBe(
        `npx keelson-agent enroll --gateway ${t.gatewayUrl} --token ${res.body.token} --data-dir ./device-data`,
      );
      expect(Date.parse(res.body.expiresAt) - Date.now()).toBeLessThanOrEqual(600_000);
    });
    it('takes no body at all, and refuses a ttl under a minute', async () => {
      expect((await call('POST', '/v1/enrollment-tokens')).status).toBe(201);
      expect((await call('POST', '/v1/enrollment-tokens', { ttlSeconds: 5 })).body.error).toMatchObject({
        kind: 'InvalidInput',
        issues: [{ path: ['ttlSeconds'] }],
      });
    });
    it('answers 400 for malformed JSON', async () => {
      expect((await call('POST', '/v1/enrollment-tokens', '{not json')).body.error).toMatchObject({
        kind: 'InvalidInput',
        code: 'request.malformed',
      });
    });
  });

  describe('devices', () => {
    it('gets a device by id or by name', async () => {
      expect((await call('GET', '/v1/devices/dev-a2')).body.name).toBe('cam-02');
      expect((await call('GET', '/v1/devices/cam-01')).body.deviceId).toBe('dev-a1');
    });
    it('answers 404 for an unknown device', async () => {
      expect((await call('GET', '/v1/devices/ghost')).body.error).toMatchObject({ kind: 'NotFound', code: 'device.not-found' });
    });
  });

  describe('groups', () => {
    it('creates a group, reporting names that match no device, and finds it by name and id', async () => {
      const res = await call('POST', '/v1/groups', { name: 'line-7', devices: ['cam-01', 'cam-02', 'cam-99'] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ deviceIds: ['dev-a1', 'dev-a2'], unresolvedNames: ['cam-99'] });
      expect((await call('GET', '/v1/groups/line-7')).body.groupId).toBe(res.body.groupId);
      expect((await call('GET', `/v1/groups/${res.body.groupId}`)).body.name).toBe('line-7');
      expect((await call('GET', '/v1/groups/line-7')).status).toBe(200);
    });
    it('takes a group of 10,000 device names in one request', async () => {
      const devices = Array.from({ length: 10_000 }, (_, i) => `sim-device-${String(i).padStart(5, '0')}`);
      const res = await call('POST', '/v1/groups', { name: 'everything', devices });
      expect(res.status).toBe(201);
      expect(res.body.unresolvedNames).toHaveLength(10_000);
    });

    it('answers 400 for an empty device list, 409 for a taken name and 404 for an unknown group', async () => {
      expect((await call('POST', '/v1/groups', { name: 'x', devices: [] })).status).toBe(400);
      expect((await call('POST', '/v1/groups', { name: 'line-7', devices: ['cam-01'] })).body.error).toMatchObject({
        kind: 'RuleViolation',
        code: 'group.name-taken',
      });
      expect((await call('GET', '/v1/groups/nope')).status).toBe(404);
    });
  });

  describe('rollouts', () => {
    let rolloutId: string;

    it('creates a rollout from name@version and a group name', async () => {
      const res = await call('POST', '/v1/rollouts', { artifact: 'yolo-v8n@2.1.0', group: 'line-7', probe, strategy });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'running', artifact: model, strategy: { maxFailures: 0 } });
      rolloutId = res.body.rolloutId;
      expect((await call('GET', `/v1/rollouts/${rolloutId}`)).body.rolloutId).toBe(rolloutId);
      expect((await call('GET', '/v1/rollouts')).body.items).toHaveLength(1);
    });

    it('lists the rollouts of one status with ?status=, and refuses a status that does not exist', async () => {
      expect((await call('GET', '/v1/rollouts?status=running')).body.items.map((r: { rolloutId: string }) => r.rolloutId)).toEqual([
        rolloutId,
      ]);
      expect((await call('GET', '/v1/rollouts?status=halted')).body.items).toEqual([]);
      const bad = await call('GET', '/v1/rollouts?status=done');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ kind: 'InvalidInput', code: 'query.invalid' });
    });

    it('refuses an unknown group with 400 group.not-found and creates nothing', async () => {
      const res = await call('POST', '/v1/rollouts', { artifact: model, group: 'no-such-group', probe, strategy });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('group.not-found');
      expect(t.orchestrator.rollouts.size).toBe(1);
    });

    it.each([
      ['a timeout of 0', { ...probe, timeoutSeconds: 0 }, ['probe', 'timeoutSeconds']],
      ['11 attempts', { ...probe, attempts: 11 }, ['probe', 'attempts']],
    ])('refuses a probe with %s', async (_case, badProbe, path) => {
      const res = await call('POST', '/v1/rollouts', { artifact: 'yolo-v8n@2.1.0', group: 'line-7', probe: badProbe, strategy });
      expect(res.status).toBe(400);
      expect(res.body.error.issues.map((i: { path: unknown }) => i.path)).toContainEqual(path);
    });

    it('refuses an artifact that is not name@version', async () => {
      expect((await call('POST', '/v1/rollouts', { artifact: 'yolo-v8n', group: 'line-7', probe, strategy })).status).toBe(400);
    });

    it('halts, resumes, approves and aborts', async () => {
      expect((await call('POST', `/v1/rollouts/${rolloutId}/halt`, { reason: 'looks wrong' })).body).toMatchObject({
        status: 'halted',
        haltReason: 'looks wrong',
      });
      expect((await call('POST', `/v1/rollouts/${rolloutId}/resume`)).body.status).toBe('running');
      expect((await call('POST', `/v1/rollouts/${rolloutId}/approve`)).status).toBe(200);
      expect((await call('POST', `/v1/rollouts/${rolloutId}/abort`, { mode: 'revert' })).body).toMatchObject({
        status: 'aborted',
        abortMode: 'revert',
      });
    });

    it('answers 400 for an abort without a mode and 404 for an unknown rollout', async () => {
      expect((await call('POST', `/v1/rollouts/${rolloutId}/abort`, { mode: 'later' })).body.error.issues[0].path).toEqual(['mode']);
      expect((await call('POST', '/v1/rollouts/r-unknown/halt')).body.error).toMatchObject({ kind: 'NotFound', code: 'rollout.not-found' });
      expect((await call('GET', '/v1/rollouts/R_BAD')).status).toBe(400);
    });
  });

  describe('audit', () => {
    it('passes the filters on and returns the entries', async () => {
      t.audit.add('default', 'RolloutHalted', { rolloutId: 'r-1' });
      const res = await call('GET', '/v1/audit?rollout=r-1&device=dev-a1&artifact=yolo-v8n&since=2026-01-01T00:00:00.000Z&limit=5');
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1);
      expect(t.audit.lastQuery).toEqual({
        fleet: 'default',
        rolloutId: 'r-1',
        deviceId: 'dev-a1',
        artifact: 'yolo-v8n',
        since: '2026-01-01T00:00:00.000Z',
        order: 'oldest',
        limit: 5,
      });
      await call('GET', '/v1/audit?type=WaveApproved, RolloutAborted&order=newest');
      expect(t.audit.lastQuery).toEqual({ fleet: 'default', types: ['WaveApproved', 'RolloutAborted'], order: 'newest', limit: 100 });
    });
    it('answers 400 for a bad time or limit', async () => {
      expect((await call('GET', '/v1/audit?since=yesterday')).body.error.issues[0].path).toEqual(['since']);
      expect((await call('GET', '/v1/audit?limit=0')).status).toBe(400);
      const badType = await call('GET', '/v1/audit?type=wave approved');
      expect([badType.status, badType.body.error.issues[0].path]).toEqual([400, ['type', 0]]);
      expect((await call('GET', '/v1/audit?order=sideways')).status).toBe(400);
    });
  });
});
