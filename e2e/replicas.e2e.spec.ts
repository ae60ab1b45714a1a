import type { PlatformService, RunningService } from '@keelson/local-infra';
import { deviceFetch } from './support/device-https.js';
import { auditOf, eventually, publishArtifact } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 12 item 2: two replicas of every service that has work of its own. The facade keeps its blobs
// in the NATS object store, as an installation with replicas does.
const replicated: PlatformService[] = ['api', 'registry-facade', 'device-gateway', 'signer', 'rollout-orchestrator'];

describe('two replicas of every service', () => {
  let platform: TestPlatform;
  const second: Partial<Record<PlatformService, RunningService>> = {};

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv: { 'registry-facade': { KEELSON_BLOB_STORE: 'nats' } } });
    for (const service of replicated) second[service] = await platform.startReplica(service);
  }, 240_000);

  afterAll(async () => {
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
    for (const [service, runner] of singleActive) expect({ service, runner, holders: await holders(service, runner) }).toEqual({ service, runner, holders: 1 });

    const { targetPath } = await publishArtifact(platform, { name: 'once', version: '1.0.0', bytes: Buffer.from(`once ${'o'.repeat(5_000)}`) });
    const signings = async () => (await auditOf(platform, 'type=DelegatedTargetsSigned')).filter((e) => (e.data.targetPaths as string[]).includes(targetPath));
    const publications = async () => (await auditOf(platform, 'type=ArtifactPublished')).filter((e) => e.data.name === 'once');
    await eventually('the signing and the publication in the audit log', async () => ((await signings()).length && (await publications()).length ? true : undefined));
    await new Promise((r) => setTimeout(r, 2_000)); // a second replica's duplicate would land by now
    expect((await signings()).length).toBe(1);
    expect((await publications()).length).toBe(1);
  }, 120_000);
});
