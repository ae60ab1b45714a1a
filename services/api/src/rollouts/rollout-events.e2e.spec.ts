import { eventually } from '@keelson/testing';
import { apiClient, readSse, type SseItem } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3 };
const strategy = {
  waves: [
    { percent: 50, gate: 'auto' },
    { percent: 100, gate: 'auto' },
  ],
};

describe('GET /v1/rollouts/{id}/events', () => {
  let t: ApiTestApp;
  let call: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    t = await startApiApp({ KEELSON_SSE_HEARTBEAT_MS: '100' });
    call = apiClient(t.url, t.adminToken);
    t.gateway.addDevice('default', 'dev-1', 'cam-01');
    t.gateway.addDevice('default', 'dev-2', 'cam-02');
    t.registry.receive({
      fleet: 'default',
      name: 'cfg',
      version: '1.0.0',
      kind: 'config',
      manifest: { kind: 'config' },
      fileName: 'c.json',
      sha256: 'b'.repeat(64),
      length: 3,
    });
    await call('POST', '/v1/groups', { name: 'line-7', devices: ['cam-01', 'cam-02'] });
  });
  afterAll(() => t.close());

  const createRollout = async () =>
    (await call('POST', '/v1/rollouts', { artifact: 'cfg@1.0.0', group: 'line-7', probe, strategy })).body.rolloutId as string;
  const open = (rolloutId: string, signal?: AbortSignal) =>
    fetch(`${t.url}/v1/rollouts/${rolloutId}/events`, { headers: { authorization: `Bearer ${t.adminToken}` }, signal });

  it('sends the snapshot, the history, live rollout and device events, heartbeats, then end', async () => {
    const rolloutId = await createRollout();
    await t.report('default', 'dev-1', rolloutId, 'downloading');
    const res = await open(rolloutId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const seen: SseItem[] = [];
    const reading = (async () => {
      for await (const item of readSse(res)) seen.push(item);
    })();
    await eventually(() => seen.some((i) => i.event === 'device'));
    // Live from here: a report of another rollout must not show up, this rollout's must.
    await t.report('default', 'dev-2', 'r-other', 'healthy');
    await t.report('default', 'dev-1', rolloutId, 'rolled_back', 'probe failed: /run/app/ready missing');
    await t.orchestrator.append('default', rolloutId, [
      {
        type: 'RolloutFinished',
        schemaVersion: 1,
        data: { fleet: 'default', rolloutId, outcome: 'failed', finishedAt: new Date().toISOString() },
      },
    ]);
    await reading;

    const events = seen.filter((i) => i.event);
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { rolloutId, status: 'running' } });
    expect(events[1]).toEqual({ event: 'devices', data: { names: { 'dev-1': 'cam-01', 'dev-2': 'cam-02' } } });
    // The last tally before `end` (the stand-in orchestrator puts both devices in one wave): dev-1
    // rolled back, dev-2 was assigned and never reported.
    expect(events.at(-2)).toEqual({
      event: 'summary',
      data: {
        waves: [{ wave: 0, devices: 2, pending: 0, inFlight: 1, healthy: 0, failed: 1, excluded: 0 }],
        devicesDown: 0,
        unreachable: 0,
      },
    });
    expect(events.filter((i) => i.event === 'summary').length).toBeGreaterThan(1);
    expect(events.filter((i) => i.event === 'rollout').map((i) => (i.data as { event: { type: string } }).event.type)).toEqual([
      'RolloutCreated',
      'RolloutTargetsAdded',
      'WaveStarted',
      'DevicesAssigned',
      'RolloutFinished',
    ]);
    const devices = events
      .filter((i) => i.event === 'device')
      .map((i) => (i.data as { event: { data: { deviceId: string; state: string; reason?: string } } }).event.data);
    expect(devices).toEqual([
      expect.objectContaining({ deviceId: 'dev-1', state: 'downloading' }),
      expect.objectContaining({ deviceId: 'dev-1', state: 'rolled_back', reason: 'probe failed: /run/app/ready missing' }),
    ]);
    expect(events.at(-1)).toEqual({ event: 'end', data: { rolloutId, status: 'failed' } });
    expect(seen.some((i) => i.comment === 'heartbeat')).toBe(true);
  });

  it('forwards the steps devices enter live as `progress`, tallies them, and drops a step that trails the outcome', async () => {
    const rolloutId = await createRollout();
    const abort = new AbortController();
    const res = await open(rolloutId, abort.signal);
    const seen: SseItem[] = [];
    const reading = (async () => {
      for await (const item of readSse(res)) seen.push(item);
    })().catch(() => undefined);
    const steps = () =>
      seen
        .filter((i) => i.event === 'progress')
        .map((i) => (i.data as { event: { data: { deviceId: string; state: string } } }).event.data);
    await eventually(() => seen.some((i) => i.event === 'rollout'));
    await t.step('default', 'dev-1', rolloutId, 'verifying');
    await t.step('default', 'dev-1', 'r-other', 'applying'); // another rollout's: not this stream's
    await eventually(() => steps().length === 1);
    expect(seen.filter((i) => i.event === 'progress')[0]!.data).toEqual({
      time: expect.any(String),
      event: {
        type: 'LiveDeviceProgress',
        schemaVersion: 1,
        data: {
          fleet: 'default',
          deviceId: 'dev-1',
          assignmentId: `${rolloutId}-dev-1`,
          rolloutId,
          state: 'verifying',
          reportedAt: expect.any(String),
        },
      },
    });
    const summaries = () =>
      seen.filter((i) => i.event === 'summary').map((i) => (i.data as { waves: { inFlight: number; healthy: number }[] }).waves[0]);

    await t.report('default', 'dev-1', rolloutId, 'healthy');
    await eventually(() => seen.some((i) => i.event === 'device'));
    // A QoS 0 step may trail its outcome: it must not move the device back, nor show up after it.
    await t.step('default', 'dev-1', rolloutId, 'applying');
    await t.step('default', 'dev-2', rolloutId, 'downloading');
    await eventually(() => steps().some((s) => s.deviceId === 'dev-2'));
    expect(steps()).toEqual([
      expect.objectContaining({ deviceId: 'dev-1', state: 'verifying' }),
      expect.objectContaining({ deviceId: 'dev-2', state: 'downloading' }),
    ]);
    expect(summaries().at(-1)).toMatchObject({ inFlight: 1, healthy: 1 });
    abort.abort();
    await reading;
  });

  it('ends with aborted after an abort', async () => {
    const rolloutId = await createRollout();
    const res = await open(rolloutId);
    const seen: SseItem[] = [];
    const reading = (async () => {
      for await (const item of readSse(res)) seen.push(item);
    })();
    await eventually(() => seen.some((i) => i.event === 'rollout'));
    await call('POST', `/v1/rollouts/${rolloutId}/abort`, { mode: 'keep' });
    await reading;
    expect(seen.filter((i) => i.event).at(-1)).toEqual({ event: 'end', data: { rolloutId, status: 'aborted' } });
  });

  it('removes its consumers when the client goes away', async () => {
    const rolloutId = await createRollout();
    const abort = new AbortController();
    const res = await open(rolloutId, abort.signal);
    const iterator = readSse(res);
    await iterator.next();
    const consumers = async () => {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(t.nc);
      const count = async (stream: string) => (await jsm.consumers.list(`${t.naming.streamPrefix}${stream}`).next()).length;
      return (await count('EV_ROLLOUTS')) + (await count('EV_DEVICES'));
    };
    await eventually(async () => (await consumers()) === 2);
    abort.abort();
    await eventually(async () => (await consumers()) === 0);
  });

  it('ends open streams when the app shuts down', async () => {
    const other = await startApiApp();
    try {
      other.gateway.addDevice('default', 'dev-1', 'cam-01');
      other.registry.receive({
        fleet: 'default',
        name: 'cfg',
        version: '1.0.0',
        kind: 'config',
        manifest: { kind: 'config' },
        fileName: 'c.json',
        sha256: 'b'.repeat(64),
        length: 3,
      });
      other.gateway.groups.push({ fleet: 'default', groupId: 'g-1', name: 'g', deviceIds: ['dev-1'], unresolvedNames: [] });
      const otherCall = apiClient(other.url, other.adminToken);
      const { rolloutId } = (await otherCall('POST', '/v1/rollouts', { artifact: 'cfg@1.0.0', group: 'g-1', probe, strategy })).body;
      const res = await fetch(`${other.url}/v1/rollouts/${rolloutId}/events`, { headers: { authorization: `Bearer ${other.adminToken}` } });
      const items: SseItem[] = [];
      const reading = (async () => {
        for await (const item of readSse(res)) items.push(item);
      })();
      await eventually(() => items.some((i) => i.event === 'snapshot'));
      await other.app.close();
      await reading;
      expect(items.some((i) => i.event === 'end')).toBe(false);
    } finally {
      await other.close().catch(() => undefined);
    }
  });

  it('answers 404 before streaming for an unknown rollout', async () => {
    const res = await open('r-none');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rollout.not-found');
  });
});
