import { eventStreams, projectionHandlers, type Projection } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { DeviceCredentialsStore } from './device-credentials.store.js';

/** Revokes a device's broker credentials when it is decommissioned (DESIGN: decommissioning revokes them). */
export const credentialRevocations: Projection<DeviceEvent> = {
  name: 'device-credential-revocations',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.device.>'],
  parse: parseDeviceEvent,
  ...projectionHandlers<DeviceEvent>({
    DeviceDecommissioned: (sql, { event, time }) => DeviceCredentialsStore.revoke(sql, event.data.deviceId, time),
  }),
};
