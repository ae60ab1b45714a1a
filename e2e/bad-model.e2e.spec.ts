import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import { createRollout, eventually, publishArtifact, rolloutBody, waitForRollout, type ProbeSpec } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

interface DeviceView {
  deviceId: string;
  name: string;
  assignments: { assignmentId: string; rolloutId: string; state?: string }[];
}

// Issue 3, test 2: a model that fails its health check on the canary never reaches the rest.
describe('a bad model', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const tools = mkdtempSync(join(tmpdir(), 'keelson-probe-'));
  // The health check loads the model and refuses one without the marker a good build has.
  const checkModel = join(tools, 'check-model');
  writeFileSync(checkModel, '#!/bin/sh\nexec grep -q GOOD-WEIGHTS "$KEELSON_ARTIFACT_PATH"\n');
  chmodSync(checkModel, 0o755);
  const probe: ProbeSpec = { kind: 'exec', path: checkModel, timeoutSeconds: 5, attempts: 1 };
  const good = Buffer.from(`detector 1.0.0 GOOD-WEIGHTS ${'a'.repeat(20_000)}`);
  const bad = Buffer.from(`detector 1.1.0 corrupted ${'b'.repeat(20_000)}`);

  const devices = async () => (await platform.api<{ items: DeviceView[] }>('/v1/devices?limit=1000')).body.items;

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleetInGroup(platform, 'line-3', { count: 10, allowExec: [checkModel] });
    await publishArtifact(platform, { name: 'detector', version: '1.0.0', bytes: good });
    const first = await createRollout(platform, rolloutBody('detector@1.0.0', 'line-3', probe, [100]));
    expect((await waitForRollout(platform, first.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
    rmSync(tools, { recursive: true, force: true });
  }, 60_000);

  it('rolls the canary back by itself, halts in wave 1, and then reverts on abort', async () => {
    await publishArtifact(platform, { name: 'detector', version: '1.1.0', bytes: bad });
    const created = await createRollout(platform, rolloutBody('detector@1.1.0', 'line-3', probe, [10, 50, 100]));

    const halted = await waitForRollout(platform, created.rolloutId, ['halted', 'succeeded', 'failed']);
    expect(halted.status).toBe('halted');
    expect(halted.currentWave).toBe(0);
    const [canary, ...others] = [...halted.devices].sort((a, b) => a.wave - b.wave);
    expect(canary).toMatchObject({ wave: 0, state: 'rolled_back' });
    // The health check ran and refused the model (no marker): not a timeout, not the allowlist.
    expect(canary?.reason).toBe(`probe failed after 1 attempt: ${checkModel} exited with code 1; back on detector@1.0.0`);
    expect(others.map((d) => d.state)).toEqual(Array(9).fill('pending'));

    // The canary restored the previous model on its own; nobody else ever received the new one.
    const byId = new Map(fleet.devices.map((d) => [d.deviceId, d]));
    for (const device of fleet.devices) expect(readFileSync(device.activeFile('detector', 'model.onnx'))).toEqual(good);
    for (const view of await devices()) {
      const got = view.assignments.some((a) => a.rolloutId === created.rolloutId);
      expect({ device: view.name, got }).toEqual({ device: view.name, got: view.deviceId === canary?.deviceId });
    }

    const aborted = await platform.api<{ status: string; abortMode: string }>(`/v1/rollouts/${created.rolloutId}/abort`, {
      body: { mode: 'revert' },
    });
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ status: 'aborted', abortMode: 'revert' });
    const revert = `${created.rolloutId}-${canary!.deviceId}-r`;
    await eventually('the canary reports its revert', async () => {
      const view = (await devices()).find((d) => d.deviceId === canary!.deviceId);
      return view?.assignments.find((a) => a.assignmentId === revert && a.state === 'healthy');
    });
    expect(readFileSync(byId.get(canary!.deviceId)!.activeFile('detector', 'model.onnx'))).toEqual(good);
  }, 180_000);
});
