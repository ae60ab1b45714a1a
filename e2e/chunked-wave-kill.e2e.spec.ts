import { randomBytes, randomUUID } from 'node:crypto';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams } from '@keelson/event-store';
import { parseDeviceEvent } from '@keelson/events';
import { armOrchestrator } from './support/armed-orchestrator.js';
import { installAppends, type PlatformStreams } from './support/event-streams.js';
import { eventually, publishArtifact } from './support/operator.js';
import { startWithRegisteredDevices, type RegisteredDevicesPlatform } from './support/registered-devices.js';
import type { TestPlatform } from './support/test-platform.js';

// Issue 11 item 2/3: a wave's devices go out as chunks, one assignments-reactor message each. The
// orchestrator SIGKILLed in the middle of a chunked wave loses and doubles no assignment.
describe('a chunked wave with the orchestrator SIGKILLed mid-wave', () => {
  const count = 3000; // uuid ids: about 1500 a chunk, so the wave is two chunks
  let platform: TestPlatform;
  let streams: PlatformStreams;
  let nc: NatsConnection;
  const deviceIds = Array.from({ length: count }, () => randomUUID());

  let started: RegisteredDevicesPlatform | undefined;

  beforeAll(async () => {
    started = await startWithRegisteredDevices(deviceIds, { namePrefix: 'chunky', labels: { kill: 'chunked' } });
    ({ platform, streams, nc } = started);
  }, 300_000);

  afterAll(async () => {
    await started?.close();
  }, 60_000);

  /** Install appends per device for the rollout, read from the gateway's stream in one pass. */
  async function appendsPerDevice(rolloutId: string): Promise<Map<string, number>> {
    const consumer = await jetstream(nc).consumers.get(eventStreams.gateway.name, {
      deliver_policy: DeliverPolicy.All,
      filter_subjects: ['ev.device.default.>'],
    });
    const out = new Map<string, number>();
    const messages = await consumer.consume();
    for await (const m of messages) {
      const event = parseDeviceEvent(m.json());
      const n = installAppends([event], rolloutId);
      if (n > 0) out.set(event.data.deviceId, (out.get(event.data.deviceId) ?? 0) + n);
      if (m.info.pending === 0) break;
    }
    await messages.close();
    return out;
  }

  it('assigns the devices of the wave assigned before the kill once, then every other device once', async () => {
    await publishArtifact(platform, { name: 'chunky', version: '1.0.0', bytes: Buffer.from(`chunky ${randomBytes(8).toString('hex')}`) });
    // One assign-many (50 devices) at a time: the kill comes after the 2000th device's answer (in the
    // second chunk), so the gateway had assigned the rest of that batch too, and nothing after it.
    const armed = await armOrchestrator(platform, {
      KEELSON_FAILPOINT: 'assignment-answered:2000',
      KEELSON_ASSIGN_CONCURRENCY: '1',
    });
    const created = await platform.api<{ rolloutId: string }>('/v1/rollouts', {
      body: {
        artifact: 'chunky@1.0.0',
        selector: 'kill=chunked',
        probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 },
        strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
      },
    });
    expect(created.status).toBe(201);
    const { rolloutId } = created.body;
    await armed.killedByFailpoint(240_000);

    const types = (await streams.rolloutEvents(rolloutId)).map((e) => e.type);
    expect(types.filter((t) => t === 'DevicesAssigned').length).toBeGreaterThanOrEqual(2); // a chunked wave
    const atKill = await appendsPerDevice(rolloutId);
    expect(atKill.size).toBeGreaterThanOrEqual(2000);
    expect(atKill.size).toBeLessThan(2050);
    expect(new Set(atKill.values())).toEqual(new Set([1]));

    await platform.restart('rollout-orchestrator');
    const after = await eventually(
      'every device assigned',
      async () => {
        const appends = await appendsPerDevice(rolloutId);
        return appends.size === count ? appends : undefined;
      },
      240_000,
    );
    expect([...after.keys()].sort()).toEqual([...deviceIds].sort());
    expect(new Set(after.values())).toEqual(new Set([1])); // none twice
    for (const [deviceId, n] of atKill) expect(after.get(deviceId)).toBe(n); // the ones assigned before the kill were not assigned again
  }, 600_000);
});
