import { existsSync, readFileSync } from 'node:fs';
import { startFleet, type TestFleet } from './support/fleet.js';
import {
  auditOf,
  eventually,
  modelManifest,
  publishArtifact,
  waitForRollout,
  type ProbeSpec,
  type RolloutView,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

interface ErrorBody {
  error: { code: string; issues?: { path: string[]; message: string }[] };
}
interface CreatedView extends RolloutView {
  artifact: { name: string; version: string };
  selector?: string;
  channel?: string;
  misfits?: { deviceId: string; reason: string }[];
}

const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };
const strategy = { waves: [{ percent: 100, gate: 'auto' }] };
const orinOnly = { ...modelManifest, hardware: { accelerator: 'jetson-orin', minMemoryMb: 8_000 } };
// Two Orin boxes in the north, one plain box in the north and one in the south.
const profiles: Record<string, { labels: Record<string, string>; hardware?: { accelerator: string; memoryMb: number } }> = {
  'cam-1': { labels: { site: 'north' }, hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 } },
  'cam-2': { labels: { site: 'north' }, hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 } },
  'cam-3': { labels: { site: 'north' } },
  'cam-4': { labels: { site: 'south' } },
};

// Issue 5: who a rollout reaches — hardware fit, selectors, release channels and promotion, with
// simulated devices enrolled with their labels and declared hardware.
describe('rollout targeting', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const device = (name: string) => fleet.devices.find((d) => d.name === name)!;
  const create = (body: Record<string, unknown>) =>
    platform.api<CreatedView & ErrorBody>('/v1/rollouts', { body: { probe, strategy, ...body } });
  const idsOf = (...names: string[]) => names.map((n) => device(n).deviceId).sort();

  beforeAll(async () => {
    // Blobs in the NATS object store, as an installation keeps them: devices download through it.
    platform = await startTestPlatform({ serviceEnv: { 'registry-facade': { KEELSON_BLOB_STORE: 'nats' } } });
    fleet = await startFleet(platform, { count: 4, namePrefix: 'cam-', profileOf: (name) => profiles[name]! });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('refuses a model the devices cannot run, with a reason per device, and changes nothing', async () => {
    const bytes = Buffer.from(`orin-detector 1.0.0 ${'o'.repeat(5_000)}`);
    await publishArtifact(platform, { name: 'orin-detector', version: '1.0.0', bytes, manifest: orinOnly });
    const refused = await create({ artifact: 'orin-detector@1.0.0', devices: ['cam-1', 'cam-2', 'cam-3', 'cam-4'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('hardware.misfit');
    expect(refused.body.error.issues!.map((i) => i.path.at(-1)).sort()).toEqual(idsOf('cam-3', 'cam-4'));
    expect(refused.body.error.issues!.every((i) => i.message.includes('jetson-orin'))).toBe(true);
    const listed = await platform.api<{ items: CreatedView[] }>('/v1/rollouts?limit=100');
    expect(listed.body.items.filter((r) => r.artifact.name === 'orin-detector')).toEqual([]);

    // The operator's other choice: leave them out, on the record, and update the rest.
    const created = await create({ artifact: 'orin-detector@1.0.0', devices: ['cam-1', 'cam-2', 'cam-3', 'cam-4'], onMisfit: 'exclude' });
    expect(created.status).toBe(201);
    expect(created.body.misfits!.map((m) => m.deviceId).sort()).toEqual(idsOf('cam-3', 'cam-4'));
    expect(created.body.devices.map((d) => d.deviceId).sort()).toEqual(idsOf('cam-1', 'cam-2'));
    expect((await waitForRollout(platform, created.body.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    for (const name of ['cam-1', 'cam-2']) expect(readFileSync(device(name).activeFile('orin-detector', 'model.onnx'))).toEqual(bytes);
    for (const name of ['cam-3', 'cam-4']) expect(existsSync(device(name).activeFile('orin-detector', 'model.onnx'))).toBe(false);
  }, 180_000);

  it('resolves a capability selector over labels and hardware at creation, and records it', async () => {
    await publishArtifact(platform, { name: 'counter', version: '1.0.0', bytes: Buffer.from(`counter 1.0.0 ${'c'.repeat(5_000)}`) });
    const created = await create({ artifact: 'counter@1.0.0', selector: 'site=north, memoryMb>=8000, accelerator=jetson-orin' });
    expect(created.status).toBe(201);
    expect(created.body.selector).toBe('site=north, memoryMb>=8000, accelerator=jetson-orin');
    expect(created.body.devices.map((d) => d.deviceId).sort()).toEqual(idsOf('cam-1', 'cam-2'));
    expect((await waitForRollout(platform, created.body.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');

    const bad = await create({ artifact: 'counter@1.0.0', selector: 'site=north, memoryMb>=lots' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toMatch(/^selector\./);
  }, 180_000);

  it('targets a release channel, promotes a proven version to it (audited), and the next rollout of the channel gets it', async () => {
    const v1 = Buffer.from(`tracker 1.0.0 ${'1'.repeat(5_000)}`);
    const v2 = Buffer.from(`tracker 1.1.0 ${'2'.repeat(5_000)}`);
    await publishArtifact(platform, { name: 'tracker', version: '1.0.0', bytes: v1 });
    await publishArtifact(platform, { name: 'tracker', version: '1.1.0', bytes: v2 });
    expect((await platform.api('/v1/channels/tracker/stable', { body: { version: '1.0.0' } })).status).toBe(200);

    const stable = await create({ artifact: 'tracker@stable', devices: ['cam-3', 'cam-4'] });
    expect(stable.status).toBe(201);
    expect(stable.body).toMatchObject({ channel: 'stable', artifact: { name: 'tracker', version: '1.0.0' } });
    expect((await waitForRollout(platform, stable.body.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');

    // 1.1.0 proves itself on the canaries, then becomes `stable`. A manual gate holds the second
    // wave: until an operator opens it the rollout surely has not succeeded, and promoting is refused.
    const gated = {
      waves: [
        { percent: 50, gate: 'auto' },
        { percent: 100, gate: 'manual' },
      ],
    };
    const canary = await create({ artifact: 'tracker@1.1.0', devices: ['cam-1', 'cam-2'], strategy: gated });
    expect(canary.status).toBe(201);
    expect((await waitForRollout(platform, canary.body.rolloutId, ['awaiting-approval', 'succeeded', 'failed', 'halted'])).status).toBe(
      'awaiting-approval',
    );
    const early = await platform.api<ErrorBody>(`/v1/rollouts/${canary.body.rolloutId}/promote`, { body: { channel: 'stable' } });
    expect({ status: early.status, code: early.body.error?.code }).toEqual({ status: 409, code: 'rollout.not-succeeded' });
    expect((await platform.api(`/v1/rollouts/${canary.body.rolloutId}/approve`, { body: {} })).status).toBe(200);
    expect((await waitForRollout(platform, canary.body.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    const promoted = await platform.api<{ channels: { channel: string; version: string; rolloutId?: string }[] }>(
      `/v1/rollouts/${canary.body.rolloutId}/promote`,
      { body: { channel: 'stable' } },
    );
    expect(promoted.status).toBe(200);
    expect(promoted.body.channels).toContainEqual(
      expect.objectContaining({ channel: 'stable', version: '1.1.0', rolloutId: canary.body.rolloutId }),
    );
    const promotions = await eventually('both channel moves in the audit log', async () => {
      const moves = (await auditOf(platform, 'artifact=tracker')).filter((e) => e.type.endsWith('ChannelPromoted'));
      return moves.length >= 2 ? moves : undefined;
    });
    expect(promotions.map((e) => (e.data.artifact as { version: string }).version)).toEqual(['1.0.0', '1.1.0']);
    expect(promotions.every((e) => e.keelsonactor.startsWith('operator'))).toBe(true);

    const next = await create({ artifact: 'tracker@stable', devices: ['cam-3', 'cam-4'] });
    expect(next.body).toMatchObject({ channel: 'stable', artifact: { name: 'tracker', version: '1.1.0' } });
    expect((await waitForRollout(platform, next.body.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    for (const name of ['cam-3', 'cam-4']) expect(readFileSync(device(name).activeFile('tracker', 'model.onnx'))).toEqual(v2);
  }, 240_000);
});
