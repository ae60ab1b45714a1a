import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { DeviceDirectory } from './device-directory.js';

const meta = (id: string) => ({ actor: { kind: 'service', id: 'test' } as const, correlationId: 'c-1', commandId: id });
const enrolled = (fleet: string, deviceId: string): DeviceEvent => ({
  type: 'DeviceEnrolled',
  schemaVersion: 1,
  data: {
    fleet,
    deviceId,
    name: deviceId,
    certificateSerial: '0a',
    certificateFingerprint: 'c'.repeat(64),
    labels: {},
    hardware: {},
    enrolledWith: 'et-1',
  },
});

// typed-subjects: a device enrolled now has its events on ev.device.<fleet>.<id>.<Type>; one enrolled
// before typed subjects has them on ev.device.<fleet>.<id>. The directory finds the fleet of both.
describe('DeviceDirectory finds a device fleet from the event stream', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let typed: EventStore<DeviceEvent>;
  let untyped: EventStore<DeviceEvent>;

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.gateway]);
    typed = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    untyped = new EventStore({ nc, naming, stream: { ...eventStreams.gateway, typedAggregates: [] }, parse: parseDeviceEvent });
  });
  afterAll(() => nc?.close());

  it('finds a device stored on typed subjects, one stored untyped before them, and nothing for an unknown id', async () => {
    await typed.append(typed.subject('device', 'plant-7', 'd-typed'), 0, [enrolled('plant-7', 'd-typed')], meta('e-typed'));
    await untyped.append(untyped.subject('device', 'plant-8', 'd-old'), 0, [enrolled('plant-8', 'd-old')], meta('e-old'));
    const directory = new DeviceDirectory(nc, naming);
    expect(await directory.fleetOf('d-typed')).toBe('plant-7');
    expect(await directory.fleetOf('d-old')).toBe('plant-8');
    expect(await directory.fleetOf('d-never')).toBeUndefined();
  });
});
