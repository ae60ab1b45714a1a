import { randomBytes, randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams } from '@keelson/event-store';
import { armOrchestrator } from './support/armed-orchestrator.js';
import type { PlatformStreams } from './support/event-streams.js';
import { eventually, publishArtifact } from './support/operator.js';
import { startWithRegisteredDevices, type RegisteredDevicesPlatform } from './support/registered-devices.js';
import type { TestPlatform } from './support/test-platform.js';

// Issue 11 item 3: a creation writes its rollout's claims itself, in its own transaction, and the
// claims projection leaves that rollout's chunks alone. The orchestrator SIGKILLed after the
// creation's events were appended but before its claims committed: after a restart the projection
// claims every device from the events, so a second creation over them is refused.
describe('a rollout creation with the orchestrator SIGKILLed between the append and the claims', () => {
  const count = 3000; // uuid ids: about 1500 a chunk, so the targets are two chunks
  let platform: TestPlatform;
  let streams: PlatformStreams;
  let nc: NatsConnection;
  const deviceIds = Array.from({ length: count }, () => randomUUID());
  const probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };
  const body = {
    artifact: 'claimed@1.0.0',
    selector: 'kill=claims',
    probe,
    strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
  };

  let started: RegisteredDevicesPlatform | undefined;

  beforeAll(async () => {
    started = await startWithRegisteredDevices(deviceIds, { namePrefix: 'claimed', labels: { kill: 'claims' } });
    ({ platform, streams, nc } = started);
  }, 300_000);

  afterAll(async () => {
    await started?.close();
  }, 60_000);

  it('claims every device of the appended rollout after the restart: a second creation over them is refused', async () => {
    await publishArtifact(platform, { name: 'claimed', version: '1.0.0', bytes: Buffer.from(`claimed ${randomBytes(8).toString('hex')}`) });
    const armed = await armOrchestrator(platform, { KEELSON_FAILPOINT: 'rollout-appended:1' });
    const killed = await platform.api<{ error?: { code: string } }>('/v1/rollouts', { body });
    expect(killed.status).not.toBe(201); // the orchestrator died before it answered
    await armed.killedByFailpoint(120_000);

    await platform.restart('rollout-orchestrator');
    const jsm = await jetstreamManager(nc);
    await eventually(
      'the claims projection to catch up',
      async () => {
        const info = await jsm.consumers.info(eventStreams.orchestrator.name, 'proj-orchestrator-rollout-claims');
        return info.num_pending + info.num_ack_pending === 0 && info.delivered.stream_seq > 0 ? true : undefined;
      },
      120_000,
    );
    const again = await platform.api<{ error?: { code: string; message: string } }>('/v1/rollouts', { body });
    expect({ status: again.status, code: again.body.error?.code }).toEqual({ status: 409, code: 'rollout.conflict' });
    const refused = again.body.error!;
    const holder = /active rollout\(s\) (r-[0-9a-f]{12}) of claimed/.exec(refused.message)?.[1];
    expect(refused.message).toContain(`and ${count - 20} more`); // every device, both chunks
    const types = (await streams.rolloutEvents(holder!)).map((e) => e.type);
    expect(types.filter((t) => t === 'RolloutCreated')).toHaveLength(1);
    expect(types.filter((t) => t === 'RolloutTargetsAdded').length).toBeGreaterThanOrEqual(2);
  }, 600_000);
});
