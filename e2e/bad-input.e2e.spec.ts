import { startFleet, type TestFleet } from './support/fleet.js';
import { createGroup, modelManifest, publishArtifact, pushArtifact, rolloutBody, type ProbeSpec } from './support/operator.js';
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
    platform = await startTestPlatform({ serviceEnv: { 'registry-facade': { KEELSON_MAX_ARTIFACT_BYTES: String(maxBytes) } } });
    fleet = await startFleet(platform, { count: 2 });
    await createGroup(platform, 'pair', fleet.devices.map((d) => d.name));
    await publishArtifact(platform, { name: 'classifier', version: '1.0.0', bytes: 'weights' });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('refuses a malformed upload manifest before storing anything', async () => {
    const before = await count('/v1/artifacts');
    const unknownFramework = await pushArtifact(platform, { name: 'seg', version: '1.0.0', bytes: 'x', manifest: { ...modelManifest, framework: 'pytorch' } });
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
    const badProbe = await platform.api<ErrorBody>('/v1/rollouts', { body: rolloutBody('classifier@1.0.0', 'pair', { ...probe, timeoutSeconds: 0, attempts: 11 }, [100]) });
    expect(badProbe.status).toBe(400);
    const paths = (badProbe.body.error.issues ?? []).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['probe.timeoutSeconds', 'probe.attempts']));
    expect(await count('/v1/rollouts')).toBe(0);
  });

  it('refuses requests without the admin token', async () => {
    const res = await fetch(`${platform.apiUrl}/v1/rollouts`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(res.status).toBe(401);
  });
});
