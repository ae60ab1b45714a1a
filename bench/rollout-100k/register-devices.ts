import { randomBytes, randomUUID } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { until } from '../rollout-fanout/operator-api.js';
import { eachInFlight } from './in-flight.js';

export const benchFleet = 'default';
export const benchLabel = { bench: 'rollout-100k' };
const naming = { streamPrefix: '', subjectPrefix: '' };

/**
 * Registers `count` devices through the gateway's event path: a `DeviceEnrolled` on each device's own
 * subject of the gateway's stream, as enrollment appends it (the CSR and certificate work is left
 * out: 100,000 enrollments are issue 11 item 4's bench). Waits until the gateway's devices read
 * model holds them all, since the rollout's selector is resolved from it. Returns the ids and seconds.
 */
export async function registerDevices(nc: NatsConnection, jsm: JetStreamManager, count: number, concurrency: number) {
  const store = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  const deviceIds = Array.from({ length: count }, () => randomUUID()); // the length of ids real fleets use
  const started = performance.now();
  await eachInFlight(deviceIds.entries(), concurrency, async ([i, deviceId]) => {
    const data = {
      fleet: benchFleet,
      deviceId,
      name: `sim-${String(i).padStart(6, '0')}`,
      certificateSerial: randomBytes(16).toString('hex'),
      certificateFingerprint: randomBytes(32).toString('hex'),
      labels: benchLabel,
      hardware: { architecture: 'arm64' },
      enrolledWith: 'et-bench',
    };
    const meta = { actor: { kind: 'device' as const, id: deviceId }, correlationId: `enroll-${deviceId}`, commandId: `enroll-${deviceId}` };
    await store.append(store.subject('device', benchFleet, deviceId), 0, [{ type: 'DeviceEnrolled', schemaVersion: 1, data }], meta);
  });
  const appendedSeconds = (performance.now() - started) / 1000;
  await until(
    'the gateway to list every device',
    30 * 60_000,
    async () => {
      const info = await jsm.consumers.info(eventStreams.gateway.name, 'proj-gateway-devices');
      return info.num_pending + info.num_ack_pending === 0 ? true : undefined;
    },
    500,
  );
  return { deviceIds, appendedSeconds, listedSeconds: (performance.now() - started) / 1000 };
}
