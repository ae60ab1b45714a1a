import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import { connectAs, droppedMessages } from './support/impostor.js';
import {
  auditOf,
  createGroup,
  createRollout,
  eventually,
  modelManifest,
  publishArtifact,
  pushArtifact,
  rolloutBody,
  waitForRollout,
  type ProbeSpec,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

interface ErrorBody {
  error: { kind: string; code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
}

// Issue 3, test 6: bad input gets a clear 400 and creates nothing.
describe('bad input', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const maxBytes = 256 * 1024;
  const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };
  const count = async (path: string) => (await platform.api<{ items: unknown[] }>(path)).body.items.length;

  beforeAll(async () => {
    // The facade keeps blobs in the NATS object store here, as an installation does (npm start: a
    // directory), under its least-privilege NATS user: oversize and broken uploads keep nothing there.
    platform = await startTestPlatform({
      serviceEnv: { 'registry-facade': { KEELSON_MAX_ARTIFACT_BYTES: String(maxBytes), KEELSON_BLOB_STORE: 'nats' } },
    });
    fleet = await startFleetInGroup(platform, 'pair', { count: 2 });
    await publishArtifact(platform, { name: 'classifier', version: '1.0.0', bytes: 'weights' });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('refuses a malformed upload manifest before storing anything', async () => {
    const before = await count('/v1/artifacts');
    const unknownFramework = await pushArtifact(platform, {
      name: 'seg',
      version: '1.0.0',
      bytes: 'x',
      manifest: { ...modelManifest, framework: 'pytorch' },
    });
    expect(unknownFramework.status).toBe(400);
    expect(JSON.stringify(unknownFramework.body)).toContain('framework');
    const notJson = await pushArtifact(platform, { name: 'seg', version: '1.0.0', bytes: 'x', manifest: '{"kind":' });
    expect(notJson.status).toBe(400);
    expect(await count('/v1/artifacts')).toBe(before);
  });

  it('refuses an upload over the size limit with 413 and keeps nothing', async () => {
    const before = await count('/v1/artifacts');
    const oversize = await pushArtifact(platform, { name: 'huge', version: '1.0.0', bytes: Buffer.alloc(maxBytes + 1, 7) });
    expect(oversize.status).toBe(413);
    expect(oversize.body.error?.code).toBe('artifact.too-large');
    expect(await count('/v1/artifacts')).toBe(before);
  });

  it('refuses rollouts of unknown artifacts, to unknown groups, and with probe settings out of range', async () => {
    const attempts: [unknown, string][] = [
      [rolloutBody('nope@1.0.0', 'pair', probe, [100]), 'artifact.not-found'],
      [rolloutBody('classifier@9.9.9', 'pair', probe, [100]), 'artifact.not-found'],
      [rolloutBody('classifier@1.0.0', 'no-such-group', probe, [100]), 'group.not-found'],
    ];
    for (const [body, code] of attempts) {
      const res = await platform.api<ErrorBody>('/v1/rollouts', { body });
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code });
    }
    const badProbe = await platform.api<ErrorBody>('/v1/rollouts', {
      body: rolloutBody('classifier@1.0.0', 'pair', { ...probe, timeoutSeconds: 0, attempts: 11 }, [100]),
    });
    expect(badProbe.status).toBe(400);
    const paths = (badProbe.body.error.issues ?? []).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['probe.timeoutSeconds', 'probe.attempts']));
    expect(await count('/v1/rollouts')).toBe(0);
  });

  it('refuses requests without the admin token', async () => {
    const res = await fetch(`${platform.apiUrl}/v1/rollouts`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(res.status).toBe(401);
  });

  it('ignores malformed MQTT payloads and a device speaking for another device: nothing happens to either', async () => {
    const rollout = await createRollout(platform, rolloutBody('classifier@1.0.0', 'pair', probe, [100]));
    expect((await waitForRollout(platform, rollout.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    const [a, b] = fleet.devices;
    const reportsOf = async (deviceId: string) =>
      (await auditOf(platform, `device=${deviceId}`)).filter((e) => e.type.endsWith('DeviceReportedProgress'));
    // The audit log is a projection: count only once it holds both devices' healthy reports.
    const settled = async (deviceId: string) => {
      const reports = await reportsOf(deviceId);
      return reports.some((e) => e.data.rolloutId === rollout.rolloutId && e.data.state === 'healthy') ? reports.length : undefined;
    };
    const before = {
      a: await eventually('device a settled in the audit log', () => settled(a!.deviceId)),
      b: await eventually('device b settled in the audit log', () => settled(b!.deviceId)),
      dropped: await droppedMessages(platform),
    };

    // Device a is compromised: its agent is gone and someone else holds its credentials.
    await a!.stop();
    const impostor = await connectAs(a!.dataDir);
    const forged = (deviceId: string) =>
      JSON.stringify({
        type: 'DeviceReport',
        schemaVersion: 1,
        data: {
          deviceId,
          assignmentId: `${rollout.rolloutId}-${b!.deviceId}`,
          rolloutId: rollout.rolloutId,
          state: 'failed',
          reason: 'forged',
          sentAt: new Date().toISOString(),
        },
      });
    const own = `${impostor.topicRoot}/dev/${a!.deviceId}/report`;
    await impostor.client.publishAsync(own, '{"type": "DeviceReport", ', { qos: 1 });
    await impostor.client.publishAsync(own, JSON.stringify({ type: 'DeviceReport', schemaVersion: 1, data: { deviceId: a!.deviceId } }), {
      qos: 1,
    });
    await impostor.client.publishAsync(own, forged(b!.deviceId), { qos: 1 });
    // The broker drops a publish under another device's topic (it still acknowledges it).
    await impostor.client.publishAsync(`${impostor.topicRoot}/dev/${b!.deviceId}/report`, forged(b!.deviceId), { qos: 1 });
    await impostor.client.endAsync();

    const dropped = await eventually('the gateway dropping the three bad messages', async () => {
      const now = await droppedMessages(platform);
      const grew = (reason: string) => (now[reason] ?? 0) > (before.dropped[reason] ?? 0);
      return grew('not-json') && grew('invalid') && grew('device-mismatch') ? now : undefined;
    });
    expect(dropped).toBeDefined();
    // A marker on the same stream as device events: once the audit log has it, it has everything before it.
    const marker = await createGroup(platform, 'after-the-forgeries', [b!.name]);
    await eventually('the marker in the audit log', async () =>
      (await auditOf(platform, `device=${b!.deviceId}`)).some((e) => e.data.groupId === marker.groupId) ? true : undefined,
    );
    expect({ a: (await reportsOf(a!.deviceId)).length, b: (await reportsOf(b!.deviceId)).length }).toEqual({ a: before.a, b: before.b });
    const view = (await platform.api<{ devices: { deviceId: string; state: string }[] }>(`/v1/rollouts/${rollout.rolloutId}`)).body;
    expect(view.devices.map((d) => d.state)).toEqual(['healthy', 'healthy']);
  }, 120_000);
});
