import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { testEnv } from '@keelson/testing';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 12, fault (a): while NATS is briefly away the api answers 503 with Retry-After, never 500,
// and a CLI read started during the outage succeeds once NATS is back.
describe('resilient-edges: the api and the CLI through a nats-server restart', () => {
  let platform: TestPlatform;
  let restarted: ChildProcess | undefined;

  beforeAll(async () => {
    platform = await startTestPlatform({ tls: false, services: ['api', 'device-gateway', 'audit'] });
  }, 240_000);

  afterAll(async () => {
    await platform?.destroy();
    if (restarted && restarted.exitCode === null) {
      restarted.kill('SIGTERM');
      await new Promise((resolve) => restarted!.once('exit', resolve));
    }
  }, 60_000);

  const jetStreamHealthy = async () =>
    (await fetch(`${platform.nats.monitorUrl}/healthz?js-enabled-only=true`).then(
      (r) => r.ok,
      () => false,
    )) || undefined;

  /** Starts the platform's nats-server again on its own config (same ports, same JetStream store). */
  async function restartNats(): Promise<void> {
    restarted = spawn(testEnv().natsBinary, ['-c', join(platform.home, 'nats', 'nats-server.conf')], { stdio: 'ignore' });
    await eventually('nats-server healthy again', jetStreamHealthy, 20_000);
  }

  it('answers 503 with Retry-After and the standard body while NATS is down, and the CLI read started then succeeds after', async () => {
    expect((await platform.api('/v1/devices')).status).toBe(200);
    await platform.nats.stop();

    const res = await fetch(`${platform.apiUrl}/v1/devices`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toEqual({
      error: { kind: 'Unavailable', code: 'broker.unavailable', message: expect.stringContaining('try again') },
    });

    // A read started now is answered 503 until NATS is back, then succeeds: the CLI waits and asks again.
    const started = Date.now();
    const read = keelson(platform.apiUrl, platform.adminToken, 'device', 'list', '--json');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await restartNats();
    const listed = await read;
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(listed.json()).toMatchObject({ items: [] });
    expect(Date.now() - started).toBeGreaterThan(3_000);
  }, 90_000);

  it('refuses a write during the outage with 503 at once, and the CLI does not send it again', async () => {
    await eventually('the api reconnected', async () => ((await platform.api('/v1/devices')).status === 200 ? true : undefined), 30_000);
    restarted!.kill('SIGTERM');
    await new Promise((resolve) => restarted!.once('exit', resolve));
    const started = Date.now();
    const created = await keelson(platform.apiUrl, platform.adminToken, 'group', 'create', 'cams', '--devices', 'cam-1', '--json');
    expect(Date.now() - started).toBeLessThan(1_500); // a retry would first wait the 2 s Retry-After asks for
    expect(created.code).toBe(1);
    expect(created.json().error).toMatchObject({ kind: 'Unavailable', code: 'broker.unavailable' });
    await restartNats();
  }, 60_000);
});
