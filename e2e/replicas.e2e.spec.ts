import { readFileSync } from 'node:fs';
import type { PlatformService, RunningService } from '@keelson/local-infra';
import { readSse, type SseMessage } from '../services/cli/src/sse-reader.js';
import { deviceFetch } from './support/device-https.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, createRollout, eventually, publishArtifact, readyProbe, rolloutBody } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 12 item 2: two replicas of every service that has work of its own. The facade keeps its blobs
// in the NATS object store, as an installation with replicas does. The second api uploads to the
// second facade; devices fetch from the first.
const replicated: PlatformService[] = ['registry-facade', 'api', 'device-gateway', 'signer', 'rollout-orchestrator'];

describe('two replicas of every service', () => {
  let platform: TestPlatform;
  let fleet: TestFleet | undefined;
  const second: Partial<Record<PlatformService, RunningService>> = {};

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv: { 'registry-facade': { KEELSON_BLOB_STORE: 'nats' } } });
    for (const service of replicated) {
      const env = service === 'api' ? { KEELSON_FACADE_URL: second['registry-facade']!.url } : {};
      second[service] = await platform.startReplica(service, env);
    }
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    for (const service of replicated) await second[service]?.stop();
    await platform?.destroy();
  }, 60_000);

  /** `keelson_runner_lease_held` of one runner, summed over both processes of the service. */
  async function holders(service: PlatformService, runner: string): Promise<number> {
    let sum = 0;
    for (const process of [platform.services[service]!, second[service]!]) {
      const url = `${process.url}/metrics`; // the device-facing services answer over TLS from the platform's CA
      const text = await (url.startsWith('https:') ? deviceFetch(platform, url) : fetch(url)).then((res) => res.text());
      const line = text.split('\n').find((l) => l.startsWith('keelson_runner_lease_held{') && l.includes(`runner="${runner}"`));
      sum += line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    }
    return sum;
  }

  it('runs each worker with consumers or timers of its own in one replica at a time: one signature, one publication', async () => {
    const singleActive: [PlatformService, string][] = [
      ['signer', 'react-signer-artifacts'],
      ['signer', 'worker-tuf-renewal-renewal_timer'],
      ['registry-facade', 'react-registry-publish-signed-artifacts'],
      ['rollout-orchestrator', 'worker-rollouts-timeout_sweep'],
    ];
    for (const [service, runner] of singleActive)
      expect({ service, runner, holders: await holders(service, runner) }).toEqual({ service, runner, holders: 1 });

    const { targetPath } = await publishArtifact(platform, {
      name: 'once',
      version: '1.0.0',
      bytes: Buffer.from(`once ${'o'.repeat(5_000)}`),
    });
    const signings = async () =>
      (await auditOf(platform, 'type=DelegatedTargetsSigned')).filter((e) => (e.data.targetPaths as string[]).includes(targetPath));
    const publications = async () => (await auditOf(platform, 'type=ArtifactPublished')).filter((e) => e.data.name === 'once');
    await eventually('the signing and the publication in the audit log', async () =>
      (await signings()).length && (await publications()).length ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2_000)); // a second replica's duplicate would land by now
    expect((await signings()).length).toBe(1);
    expect((await publications()).length).toBe(1);
  }, 120_000);

  it('enrolls devices through the second gateway, uploads through the second api and facade, and streams on the second api a rollout made through the first', async () => {
    fleet = await startFleet(platform, {
      count: 2,
      namePrefix: 'b-',
      via: { apiUrl: second.api!.url, gatewayUrl: second['device-gateway']!.url },
    });
    await createGroup(
      platform,
      'enrolled-via-b',
      fleet.devices.map((d) => d.name),
    );
    const bytes = Buffer.from(`via-b 1.0.0 ${'b'.repeat(20_000)}`);
    await publishArtifact({ ...platform, apiUrl: second.api!.url }, { name: 'via-b', version: '1.0.0', bytes });

    const created = await createRollout(platform, rolloutBody('via-b@1.0.0', 'enrolled-via-b', readyProbe, [100]));
    const res = await fetch(`${second.api!.url}/v1/rollouts/${created.rolloutId}/events`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    expect(res.status).toBe(200);
    const seen: SseMessage[] = [];
    await eventually(
      'the stream on the second api to end',
      async () => {
        for await (const message of readSse(res.body!)) seen.push(message); // `end` closes it
        return true;
      },
      90_000,
    );
    expect(seen[0]).toMatchObject({ event: 'snapshot', data: { rolloutId: created.rolloutId } });
    expect(seen.filter((m) => m.event === 'device').length).toBeGreaterThan(0); // the devices' reports, live
    expect(seen.at(-1)).toMatchObject({ event: 'end' });
    expect((await platform.api<{ status: string }>(`/v1/rollouts/${created.rolloutId}`)).body.status).toBe('succeeded');
    for (const device of fleet.devices) expect(readFileSync(device.activeFile('via-b', 'model.onnx'))).toEqual(bytes);
  }, 180_000);
});
