import { apiClient } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3 };
const strategy = { waves: [{ percent: 100, gate: 'auto' }] };

describe('the operator api: rollout targets, channels, promotion and retries', () => {
  let t: ApiTestApp;
  let call: ReturnType<typeof apiClient>;
  const lastReceived = () => t.orchestrator.received.at(-1);

  beforeAll(async () => {
    t = await startApiApp();
    call = apiClient(t.url, t.adminToken);
    t.gateway.addDevice('default', 'dev-c1', 'cam-01');
    for (const version of ['1.0.0', '1.1.0']) {
      t.registry.receive({
        fleet: 'default',
        name: 'detector',
        version,
        kind: 'config',
        manifest: { kind: 'config' },
        fileName: 'd.json',
        sha256: 'b'.repeat(64),
        length: 12,
      });
    }
  });
  afterAll(() => t.close());

  describe('POST /v1/rollouts', () => {
    it('forwards device names, without a group, with onMisfit and supersede', async () => {
      const res = await call('POST', '/v1/rollouts', {
        artifact: 'detector@1.0.0',
        devices: ['cam-01'],
        probe,
        strategy,
        onMisfit: 'exclude',
        supersede: { reason: 'force known-good' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ deviceNames: ['cam-01'], devices: [{ deviceId: 'dev-c1' }] });
      expect(lastReceived()?.input).toMatchObject({
        deviceNames: ['cam-01'],
        onMisfit: 'exclude',
        supersede: { reason: 'force known-good' },
        artifact: { name: 'detector', version: '1.0.0' },
      });
      expect(lastReceived()?.input.groupId).toBeUndefined();
    });

    it("forwards the halt rule's failure rate, the throttle and the per-device timeout, and refuses a timeout under a minute", async () => {
      const inFlight = {
        ...strategy,
        maxFailures: 3,
        failureRate: { maxPercent: 5, minFinished: 20 },
        maxConcurrent: 10,
        deviceTimeoutSeconds: 900,
      };
      expect(
        (await call('POST', '/v1/rollouts', { artifact: 'detector@1.0.0', devices: ['cam-01'], probe, strategy: inFlight })).status,
      ).toBe(201);
      expect(lastReceived()?.input.strategy).toEqual(inFlight);
      const before = t.orchestrator.received.length;
      const refused = await call('POST', '/v1/rollouts', {
        artifact: 'detector@1.0.0',
        devices: ['cam-01'],
        probe,
        strategy: { ...strategy, deviceTimeoutSeconds: 10 },
      });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain('deviceTimeoutSeconds');
      expect(t.orchestrator.received.length).toBe(before);
    });

    it('forwards a selector as written', async () => {
      expect(
        (
          await call('POST', '/v1/rollouts', {
            artifact: 'detector@1.0.0',
            selector: 'accelerator=jetson-orin, memoryMb>=8000',
            probe,
            strategy,
          })
        ).status,
      ).toBe(201);
      expect(lastReceived()?.input).toMatchObject({ selector: 'accelerator=jetson-orin, memoryMb>=8000' });
    });

    it('reads name@channel as a channel, name@<digit…> as a version', async () => {
      await call('POST', '/v1/channels/detector/canary', { version: '1.1.0' });
      const res = await call('POST', '/v1/rollouts', { artifact: 'detector@canary', devices: ['cam-01'], probe, strategy });
      expect(res.status).toBe(201);
      expect(lastReceived()?.input.artifact).toEqual({ name: 'detector', channel: 'canary' });
      expect(res.body.artifact.version).toBe('1.1.0');
    });

    it.each([
      ['no target', {}],
      ['two targets', { devices: ['cam-01'], selector: 'site=north' }],
    ])('refuses %s with 400 before asking the orchestrator', async (_case, target) => {
      const before = t.orchestrator.received.length;
      const res = await call('POST', '/v1/rollouts', { artifact: 'detector@1.0.0', probe, strategy, ...target });
      expect(res.status).toBe(400);
      expect(res.body.error.issues.map((i: { path: unknown }) => i.path)).toContainEqual(['target']);
      expect(t.orchestrator.received.length).toBe(before);
    });

    it('refuses a channel name that is not one', async () => {
      expect((await call('POST', '/v1/rollouts', { artifact: 'detector@Canary_1', devices: ['cam-01'], probe, strategy })).status).toBe(
        400,
      );
    });
  });

  describe('channels and promotion', () => {
    it('sets and lists the channels of an artifact name', async () => {
      const res = await call('POST', '/v1/channels/detector/stable', { version: '1.0.0', reason: 'baseline' });
      expect(res.status).toBe(200);
      expect(lastReceived()).toEqual({
        command: 'set-channel',
        input: { fleet: 'default', artifactName: 'detector', channel: 'stable', version: '1.0.0', reason: 'baseline' },
      });
      expect((await call('GET', '/v1/channels/detector')).body.channels.map((c: { channel: string }) => c.channel).sort()).toEqual([
        'canary',
        'stable',
      ]);
    });

    it('promotes a rollout to a channel', async () => {
      const { body } = await call('POST', '/v1/rollouts', { artifact: 'detector@1.1.0', devices: ['cam-01'], probe, strategy });
      const res = await call('POST', `/v1/rollouts/${body.rolloutId}/promote`, { channel: 'stable', reason: 'canary stayed healthy' });
      expect(res.status).toBe(200);
      expect(lastReceived()).toEqual({
        command: 'promote-rollout',
        input: { fleet: 'default', rolloutId: body.rolloutId, channel: 'stable', reason: 'canary stayed healthy' },
      });
      expect(res.body.channels).toContainEqual(expect.objectContaining({ channel: 'stable', version: '1.1.0' }));
    });

    it('refuses a promotion without a channel', async () => {
      expect((await call('POST', '/v1/rollouts/r-1/promote', {})).status).toBe(400);
    });
  });

  it('retries a rollout as a new linked rollout', async () => {
    const { body } = await call('POST', '/v1/rollouts', { artifact: 'detector@1.0.0', devices: ['cam-01'], probe, strategy });
    const res = await call('POST', `/v1/rollouts/${body.rolloutId}/retry`, { onMisfit: 'exclude' });
    expect(res.status).toBe(201);
    expect(res.body.retryOf).toBe(body.rolloutId);
    expect(lastReceived()?.input).toMatchObject({ rolloutId: body.rolloutId, onMisfit: 'exclude' });
  });
});
