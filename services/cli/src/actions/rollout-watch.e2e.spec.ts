import { eventually } from '@keelson/testing';
// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { randomUUID } from 'node:crypto';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { keelson } from '../test-fixtures/run-cli.js';

const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3 };

describe('keelson rollout watch', () => {
  let t: ApiTestApp;

  beforeAll(async () => {
    t = await startApiApp();
    t.gateway.addDevice('default', 'dev-1', 'cam-01');
    t.registry.receive({
      fleet: 'default',
      name: 'cfg',
      version: '1.0.0',
      kind: 'config',
      manifest: { kind: 'config' },
      fileName: 'c.json',
      sha256: 'c'.repeat(64),
      length: 1,
    });
    t.gateway.groups.push({ fleet: 'default', groupId: 'g-1', name: 'line-7', deviceIds: ['dev-1'], unresolvedNames: [] });
  });
  afterAll(() => t.close());

  /** A device's report about its revert assignment (abort with revert), appended as the gateway does. */
  const reportRevert = async (rolloutId: string, state: 'applying' | 'healthy') => {
    const store = new EventStore<DeviceEvent>({ nc: t.nc, naming: t.naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    const subject = store.subject('device', 'default', 'dev-1');
    const { lastSeq } = await store.load(subject);
    const data = {
      fleet: 'default',
      deviceId: 'dev-1',
      rolloutId,
      assignmentId: `${rolloutId}-dev-1-r`,
      state,
      reportedAt: new Date().toISOString(),
    };
    await store.append(subject, lastSeq, [{ type: 'DeviceReportedProgress', schemaVersion: 2, data }], {
      actor: { kind: 'device', id: 'dev-1' },
      correlationId: 'spec',
      commandId: randomUUID(),
    });
  };

  const create = async () => {
    const res = await fetch(`${t.url}/v1/rollouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ artifact: 'cfg@1.0.0', group: 'g-1', probe, strategy: { waves: [{ percent: 100, gate: 'auto' }] } }),
    });
    return ((await res.json()) as { rolloutId: string }).rolloutId;
  };

  /** Runs watch while the spec drives the rollout; `seen` is what it printed so far. */
  function watch(rolloutId: string, ...flags: string[]) {
    let stdout = '';
    const done = (async () => {
      const { runCli } = await import('../cli.js');
      const code = await runCli(['rollout', 'watch', rolloutId, ...flags], {
        stdout: (s) => (stdout += s),
        stderr: () => undefined,
        env: { KEELSON_URL: t.url, KEELSON_TOKEN: t.adminToken },
      });
      return code;
    })();
    return { done, seen: () => stdout };
  }

  it('renders device states and wave transitions live and exits 0 when the rollout succeeded', async () => {
    const rolloutId = await create();
    const w = watch(rolloutId);
    await eventually(() => w.seen().includes('wave 1 started'));
    for (const state of ['downloading', 'verifying', 'applying', 'healthy'] as const) await t.report('default', 'dev-1', rolloutId, state);
    await eventually(() => w.seen().includes('cam-01  healthy'));
    await t.orchestrator.append('default', rolloutId, [
      {
        type: 'RolloutFinished',
        schemaVersion: 1,
        data: { fleet: 'default', rolloutId, outcome: 'succeeded', finishedAt: new Date().toISOString() },
      },
    ]);
    expect(await w.done).toBe(0);
    const lines = w.seen().split('\n');
    expect(lines[0]).toBe(`rollout ${rolloutId}: cfg@1.0.0, 1 devices, running`);
    expect(lines[1]).toMatch(/^cfg@1\.0\.0 signed \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(sha256 cccccccccccc\)$/);
    // Devices by name; a summary line once the wave is done.
    expect(lines.filter((l) => l.includes('cam-01')).map((l) => l.slice(10))).toEqual([
      'wave 1: 1 devices assigned (cam-01)',
      'cam-01  downloading',
      'cam-01  verifying signatures',
      'cam-01  applying (swap, then probe)',
      'cam-01  healthy',
    ]);
    expect(lines).toContain('wave 1/1: 1 devices — 1 healthy, 0 failed, 0 in flight, 0 not started');
    expect(lines).toContain('rollout succeeded');
  });

  it('shows a rollback with its reason and a halt, and exits non-zero when the rollout is aborted', async () => {
    const rolloutId = await create();
    const w = watch(rolloutId, '--json');
    await t.report('default', 'dev-1', rolloutId, 'rolled_back', 'probe /run/app/ready missing after 3 attempts');
    await t.orchestrator.append('default', rolloutId, [
      {
        type: 'RolloutHalted',
        schemaVersion: 1,
        data: { fleet: 'default', rolloutId, reason: '1 device failed', automatic: true, haltedAt: new Date().toISOString() },
      },
    ]);
    await eventually(() => w.seen().includes('RolloutHalted') && w.seen().includes('rolled_back'));
    expect((await keelson(t.url, t.adminToken, 'rollout', 'abort', rolloutId, '--keep')).code).toBe(0);
    expect(await w.done).toBe(1);
    const messages = w
      .seen()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(messages[0].event).toBe('snapshot');
    expect(messages.at(-1)).toEqual({ event: 'end', data: { rolloutId, status: 'aborted' } });
  });

  it('after an abort with revert, prints each revert by device name and exits once the reverts are done', async () => {
    const rolloutId = await create();
    await t.report('default', 'dev-1', rolloutId, 'healthy');
    const w = watch(rolloutId);
    await eventually(() => w.seen().includes('cam-01  healthy'));
    expect((await keelson(t.url, t.adminToken, 'rollout', 'abort', rolloutId, '--revert')).code).toBe(0);
    await eventually(() => w.seen().includes('aborted (devices revert'));
    await reportRevert(rolloutId, 'applying');
    await eventually(() => w.seen().includes('cam-01  reverting: applying'));
    await reportRevert(rolloutId, 'healthy');
    expect(await w.done).toBe(1);
    const lines = w.seen().trim().split('\n');
    expect(lines.filter((l) => l.includes('cam-01  rever')).map((l) => l.slice(10))).toEqual([
      'cam-01  reverting: applying (swap back, then probe)',
      'cam-01  reverted from cfg@1.0.0 to its previous version',
    ]);
    expect(lines.slice(-2)).toEqual(['reverts: 1 reverted, 0 failed', 'rollout aborted']);
  });

  it('prints the rollback reason in human output', async () => {
    const rolloutId = await create();
    await t.report('default', 'dev-1', rolloutId, 'rolled_back', 'probe timed out');
    await t.orchestrator.append('default', rolloutId, [
      {
        type: 'RolloutFinished',
        schemaVersion: 1,
        data: { fleet: 'default', rolloutId, outcome: 'failed', finishedAt: new Date().toISOString() },
      },
    ]);
    const w = watch(rolloutId);
    expect(await w.done).toBe(1);
    expect(w.seen()).toContain('cam-01  rolled back: probe timed out');
    expect(w.seen()).toContain('rollout failed');
  });

  it('exits 1 with the message for an unknown rollout', async () => {
    const res = await keelson(t.url, t.adminToken, 'rollout', 'watch', 'r-nope');
    expect(res).toMatchObject({ code: 1, stderr: expect.stringContaining('not found') });
  });
});
