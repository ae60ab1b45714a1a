import { randomUUID } from 'node:crypto';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { eventually } from '@keelson/testing';
import { apiClient, readSse, type SseItem } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3 };
const strategy = { waves: [{ percent: 100, gate: 'auto' }] };
type Report = { deviceId: string; assignmentId: string; state: string };

describe('GET /v1/rollouts/{id}/events after an abort with revert', () => {
  let t: ApiTestApp;
  let call: ReturnType<typeof apiClient>;
  let deviceStore: EventStore<DeviceEvent>;

  beforeAll(async () => {
    t = await startApiApp({ KEELSON_SSE_HEARTBEAT_MS: '100' });
    call = apiClient(t.url, t.adminToken);
    deviceStore = new EventStore<DeviceEvent>({ nc: t.nc, naming: t.naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
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
    await call('POST', '/v1/groups', { name: 'line-9', devices: ['cam-01', 'cam-02'] });
  });
  afterAll(() => t.close());

  /** Appends a device event to EV_DEVICES as the gateway does. */
  const deviceEvent = async (deviceId: string, event: DeviceEvent) => {
    const subject = deviceStore.subject('device', 'default', deviceId);
    const { lastSeq } = await deviceStore.load(subject);
    await deviceStore.append(subject, lastSeq, [event], {
      actor: { kind: 'device', id: deviceId },
      correlationId: 'spec',
      commandId: randomUUID(),
    });
  };
  const revert = (rolloutId: string, deviceId: string, state: 'downloading' | 'applying' | 'healthy' | 'failed') =>
    deviceEvent(deviceId, {
      type: 'DeviceReportedProgress',
      schemaVersion: 2,
      data: {
        fleet: 'default',
        deviceId,
        rolloutId,
        assignmentId: `${rolloutId}-${deviceId}-r`,
        state,
        reportedAt: new Date().toISOString(),
      },
    });
  const silent = (deviceId: string) =>
    deviceEvent(deviceId, {
      type: 'DeviceReachabilityChanged',
      schemaVersion: 1,
      data: { fleet: 'default', deviceId, reachable: false, lastSeenAt: new Date().toISOString() },
    });

  const createRollout = async () =>
    (await call('POST', '/v1/rollouts', { artifact: 'cfg@1.0.0', group: 'line-9', probe, strategy })).body.rolloutId as string;
  /** Opens the stream and reads it in the background; `done` settles when the server ends it. */
  const watch = async (rolloutId: string) => {
    const res = await fetch(`${t.url}/v1/rollouts/${rolloutId}/events`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    const seen: SseItem[] = [];
    const done = (async () => {
      for await (const item of readSse(res)) if (item.event) seen.push(item);
    })();
    return { seen, done, ended: () => seen.some((i) => i.event === 'end') };
  };
  const reportsOf = (seen: SseItem[]) =>
    seen.filter((i) => i.event === 'device').map((i) => (i.data as { event: { data: Report } }).event.data);
  const revertsOf = (seen: SseItem[]) => reportsOf(seen).filter((r) => r.assignmentId.endsWith('-r'));

  it('keeps streaming the reverts and ends once each has an outcome or its device is offline', async () => {
    const rolloutId = await createRollout();
    await t.report('default', 'dev-1', rolloutId, 'healthy');
    await t.report('default', 'dev-2', rolloutId, 'healthy');
    const live = await watch(rolloutId);
    await eventually(() => reportsOf(live.seen).length === 2);
    await silent('dev-2');
    expect((await call('POST', `/v1/rollouts/${rolloutId}/abort`, { mode: 'revert' })).status).toBe(200);
    await eventually(() => live.seen.some((i) => i.event === 'rollout' && JSON.stringify(i.data).includes('RolloutAborted')));
    const reconnected = await watch(rolloutId); // a client that opens the stream after the abort
    await revert(rolloutId, 'dev-1', 'downloading');
    await eventually(() => [live, reconnected].every((c) => revertsOf(c.seen).length === 1));
    // A revert in flight holds the end. The stream decides on each report before it forwards the
    // next, so the next report arriving with no `end` before it shows the first did not end it.
    await revert(rolloutId, 'dev-1', 'applying');
    await eventually(() => [live, reconnected].every((c) => c.ended() || revertsOf(c.seen).length === 2));
    expect(live.ended() || reconnected.ended()).toBe(false);
    expect(live.seen.filter((i) => i.event === 'summary').at(-1)?.data).toMatchObject({ reverts: { devices: 2, inFlight: 1, offline: 1 } });

    await revert(rolloutId, 'dev-1', 'healthy');
    await Promise.all([live.done, reconnected.done]);
    const end = {
      event: 'end',
      data: {
        rolloutId,
        status: 'aborted',
        reverts: { devices: 2, reverted: 1, failed: 0, inFlight: 0, offline: 1, decommissioned: 0, offlineDeviceIds: ['dev-2'] },
      },
    };
    for (const client of [live, reconnected]) {
      expect(client.seen.at(-1)).toEqual(end);
      expect(revertsOf(client.seen).map((r) => `${r.deviceId} ${r.state}`)).toEqual([
        'dev-1 downloading',
        'dev-1 applying',
        'dev-1 healthy',
      ]);
    }
    // Long after: the replay alone tells the same story.
    const later = await watch(rolloutId);
    await later.done;
    expect(later.seen.at(-1)).toEqual(end);
  });

  it('asks the gateway about a device silent since the rollout began, so an offline one does not hold the end', async () => {
    const rolloutId = await createRollout();
    const dev2 = t.gateway.devices.find((d) => d.deviceId === 'dev-2')!;
    dev2.reachable = false;
    try {
      await call('POST', `/v1/rollouts/${rolloutId}/abort`, { mode: 'revert' });
      const stream = await watch(rolloutId);
      await revert(rolloutId, 'dev-1', 'failed');
      await stream.done;
      expect(stream.seen.at(-1)).toMatchObject({
        event: 'end',
        data: { reverts: { devices: 2, failed: 1, offline: 1, offlineDeviceIds: ['dev-2'] } },
      });
    } finally {
      dev2.reachable = true;
    }
  });

  it('ends at once after an abort with keep, without reverts', async () => {
    const rolloutId = await createRollout();
    await call('POST', `/v1/rollouts/${rolloutId}/abort`, { mode: 'keep' });
    const stream = await watch(rolloutId);
    await stream.done;
    expect(stream.seen.at(-1)).toEqual({ event: 'end', data: { rolloutId, status: 'aborted' } });
  });
});
