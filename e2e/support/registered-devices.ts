import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore, productionNaming } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { connectDiagnostics, openStreams, type PlatformStreams } from './event-streams.js';
import { eventually } from './operator.js';
import { startTestPlatform, type TestPlatform } from './test-platform.js';

/**
 * Registers devices of the `default` fleet on the gateway's event path, as enrollment appends them
 * (a `DeviceEnrolled` each, 100 at a time; no agents, no certificates), then waits until the
 * gateway's devices read model lists them all: enough for a rollout to target and assign them.
 */
export async function registerDevices(
  nc: NatsConnection,
  deviceIds: string[],
  o: { namePrefix: string; labels: Record<string, string> },
): Promise<void> {
  const devices = new EventStore<DeviceEvent>({ nc, naming: productionNaming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  for (let i = 0; i < deviceIds.length; i += 100) {
    await Promise.all(
      deviceIds.slice(i, i + 100).map((deviceId, j) =>
        devices.append(
          devices.subject('device', 'default', deviceId),
          0,
          [
            {
              type: 'DeviceEnrolled',
              schemaVersion: 1,
              data: {
                fleet: 'default',
                deviceId,
                name: `${o.namePrefix}-${i + j}`,
                certificateSerial: '0a',
                certificateFingerprint: 'c'.repeat(64),
                labels: o.labels,
                hardware: { architecture: 'arm64' },
                enrolledWith: 'et-1',
              },
            },
          ],
          { actor: { kind: 'device', id: deviceId }, correlationId: 'enroll', commandId: `enroll-${deviceId}` },
        ),
      ),
    );
  }
  const jsm = await jetstreamManager(nc);
  await eventually(
    'the gateway to list the devices',
    async () => {
      const info = await jsm.consumers.info(eventStreams.gateway.name, 'proj-gateway-devices');
      return info.num_pending + info.num_ack_pending === 0 ? true : undefined;
    },
    180_000,
  );
}

/** A platform whose devices are only registered (no agents), read and written as the diagnostics user. */
export interface RegisteredDevicesPlatform {
  platform: TestPlatform;
  streams: PlatformStreams;
  nc: NatsConnection;
  close(): Promise<void>;
}

/**
 * Starts a platform with the diagnostics user, opens its streams and a connection as that user, and
 * registers `deviceIds` with `o` (`registerDevices`); what started is closed again if a later step fails.
 */
export async function startWithRegisteredDevices(
  deviceIds: string[],
  o: { namePrefix: string; labels: Record<string, string> },
): Promise<RegisteredDevicesPlatform> {
  const platform = await startTestPlatform({ diagnosticsUser: true });
  let streams: PlatformStreams | undefined;
  let nc: NatsConnection | undefined;
  const close = async () => {
    await nc?.close();
    await streams?.close();
    await platform.destroy();
  };
  try {
    streams = await openStreams(platform);
    nc = await connectDiagnostics(platform);
    await registerDevices(nc, deviceIds, o);
  } catch (err) {
    await close();
    throw err;
  }
  return { platform, streams, nc, close };
}
