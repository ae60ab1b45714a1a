// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { keelson } from '../test-fixtures/run-cli.js';

const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3 };

describe('keelson rollout show', () => {
  let t: ApiTestApp;

  beforeAll(async () => {
    t = await startApiApp();
    for (const n of [1, 2, 3]) t.gateway.addDevice('default', `dev-${n}`, `cam-0${n}`);
    t.gateway.groups.push({
      fleet: 'default',
      groupId: 'g-1',
      name: 'line-7',
      deviceIds: ['dev-1', 'dev-2', 'dev-3'],
      unresolvedNames: [],
    });
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
  });
  afterAll(() => t.close());

  it('shows what the state hides in a NOTES column: the revert, unreachable, timed out', async () => {
    const created = await keelson(
      t.url,
      t.adminToken,
      'rollout',
      'create',
      '--artifact',
      'cfg@1.0.0',
      '--group',
      'g-1',
      '--waves',
      '100',
      '--probe',
      `file:${probe.path}`,
      '--json',
    );
    const rolloutId = created.json().rolloutId as string;
    await keelson(t.url, t.adminToken, 'rollout', 'abort', rolloutId, '--revert');
    // what the orchestrator's view says of each device after the abort
    const view = t.orchestrator.rollouts.get(rolloutId)!;
    view.devices = [
      { deviceId: 'dev-1', wave: 0, state: 'healthy', revert: { state: 'healthy' } },
      { deviceId: 'dev-2', wave: 0, state: 'healthy', unreachable: true, revert: { state: 'assigned' } },
      {
        deviceId: 'dev-3',
        wave: 0,
        state: 'failed',
        reason: 'timeout',
        timedOut: true,
        revert: { state: 'failed', reason: 'reverted, but the probe failed' },
      },
    ];
    const lines = (await keelson(t.url, t.adminToken, 'rollout', 'show', rolloutId)).stdout.split('\n');
    expect(lines.find((l) => l.startsWith('status'))).toMatch(/^status aborted \(revert\)/);
    expect(lines.find((l) => l.startsWith('DEVICE'))).toMatch(/^DEVICE\s+NAME\s+WAVE\s+STATE\s+NOTES\s+REASON$/);
    expect(lines.find((l) => l.startsWith('dev-1'))).toMatch(/^dev-1\s+cam-01\s+1\s+healthy\s+revert done\s*$/);
    expect(lines.find((l) => l.startsWith('dev-2'))).toMatch(/^dev-2\s+cam-02\s+1\s+healthy\s+unreachable, revert assigned\s*$/);
    expect(lines.find((l) => l.startsWith('dev-3'))).toMatch(
      /^dev-3\s+cam-03\s+1\s+failed\s+timed out, revert failed \(reverted, but the probe failed\)\s+timeout$/,
    );
  });
});
