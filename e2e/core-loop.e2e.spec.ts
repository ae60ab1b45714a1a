import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keptOnDevice, startFleetInGroup, type TestFleet } from './support/fleet.js';
import {
  auditOf,
  createRollout,
  eventually,
  publishArtifact,
  readyProbe,
  rollOut,
  rolloutBody,
  waitForRollout,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 3, tests 1 and 3: the core loop on real services, a real broker and ten real agents.

describe('the core loop', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleetInGroup(platform, 'plant-7', { count: 10 });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('signs a pushed model, rolls it out in waves of 10/50/100 %, and every device ends healthy on the new bytes', async () => {
    const v1 = Buffer.from(`yolo-v8n 2.1.0\n${'good weights '.repeat(4000)}`);
    const published = await publishArtifact(platform, { name: 'yolo-v8n', version: '2.1.0', bytes: v1 });
    const created = await createRollout(platform, rolloutBody('yolo-v8n@2.1.0', 'plant-7', readyProbe, [10, 50, 100]));

    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect(done.status).toBe('succeeded');
    expect(done.devices.map((d) => d.state)).toEqual(Array(10).fill('healthy'));
    // Waves are cumulative: 1 device, then up to 5, then all 10.
    expect([0, 1, 2].map((w) => done.devices.filter((d) => d.wave === w).length)).toEqual([1, 4, 5]);
    for (const device of fleet.devices) expect(readFileSync(device.activeFile('yolo-v8n', 'model.onnx'))).toEqual(v1);
    // Each agent says what it runs now once its update ended; the device list follows.
    await eventually('every device listing yolo-v8n 2.1.0 as installed', async () => {
      const { body } = await platform.api<{ items: { installed: { name: string; version: string; sha256: string }[] }[] }>(
        '/v1/devices?limit=1000',
      );
      const onV1 = body.items.filter((d) =>
        d.installed.some((i) => i.name === 'yolo-v8n' && i.version === '2.1.0' && i.sha256 === published.sha256),
      );
      return onV1.length === 10 ? true : undefined;
    });

    // The audit log is a projection that may lag the rollout's end by a batch: read it once it has the last event.
    const entries = await eventually('the audit log up to RolloutFinished', async () => {
      const found = await auditOf(platform, `rollout=${created.rolloutId}`);
      return found.at(-1)?.type.endsWith('.RolloutFinished') ? found : undefined;
    });
    const types = entries.map((e) => e.type.split('.').at(-1));
    expect(types[0]).toBe('RolloutCreated');
    expect(types.filter((t) => t === 'WaveStarted')).toHaveLength(3);
    expect(types.at(-1)).toBe('RolloutFinished');
    const reports = entries.filter((e) => e.type.endsWith('DeviceReportedProgress'));
    expect(new Set(reports.filter((e) => e.data.state === 'healthy').map((e) => e.data.deviceId)).size).toBe(10);
    // Steps travel live and are not stored: each outcome on record carries when the device entered each step.
    expect(reports.map((e) => e.data.state)).toEqual(Array(10).fill('healthy'));
    for (const e of reports)
      expect(Object.keys((e.data as { steps?: object }).steps ?? {}).sort()).toEqual(['applying', 'downloading', 'verifying']);
    expect(entries.find((e) => e.type.endsWith('RolloutCreated'))?.keelsonactor).toBe('operator:admin');

    const artifactTypes = (await auditOf(platform, 'artifact=yolo-v8n')).map((e) => e.type.split('.').at(-1));
    expect(artifactTypes).toEqual(expect.arrayContaining(['ArtifactReceived', 'ArtifactPublished']));
    expect(published.targetPath).toBe('model/yolo-v8n/2.1.0/model.onnx');
  }, 180_000);

  it('refuses tampered bytes in the blob store at verification: every device failed on the hash, stored nothing of it and kept what it ran', async () => {
    // What each device runs before, this test's own: another model than the one above.
    expect((await rollOut(platform, 'plant-7', 'yolo-v8s', '1.0.0')).status).toBe('succeeded');
    const next = Buffer.from(`yolo-v8s 1.1.0\n${'new weights '.repeat(4000)}`);
    const published = await publishArtifact(platform, { name: 'yolo-v8s', version: '1.1.0', bytes: next });
    // An attacker (or a bad disk) changes one byte of the stored blob after it was signed.
    const blob = join(platform.home, 'registry-facade', 'blobs', 'sha256', published.sha256);
    const tampered = readFileSync(blob);
    tampered.writeUInt8(tampered.readUInt8(100) ^ 0xff, 100);
    writeFileSync(blob, tampered);

    const created = await createRollout(platform, rolloutBody('yolo-v8s@1.1.0', 'plant-7', readyProbe, [100], { maxFailures: 10 }));
    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed']);
    expect(done.status).toBe('failed');
    // The agent's download check (tuf-js against the signed bin entry) names the hash it got.
    const reason = `${published.targetPath} failed verification: Expected hash ${published.sha256} but got ${createHash('sha256').update(tampered).digest('hex')}`;
    expect(done.devices.map((d) => [d.state, d.reason])).toEqual(Array(10).fill(['failed', reason]));
    for (const device of fleet.devices)
      expect(keptOnDevice(device, 'yolo-v8s', '1.1.0')).toEqual({ stored: false, active: 'yolo-v8s 1.0.0' });
  }, 240_000);
});
