import { eventStreams, type Projection } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { DeviceCredentialsStore } from './device-credentials.store.js';

/** Revokes a device's broker credentials when it is decommissioned (DESIGN: decommissioning revokes them). */
export const credentialRevocations: Projection<DeviceEvent> = {
  name: 'device-credential-revocations',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.device.>'],
  handles: ['DeviceDecommissioned'],
  parse: parseDeviceEvent,
  async apply(sql, recorded) {
    if (recorded.event.type === 'DeviceDecommissioned') await DeviceCredentialsStore.revoke(sql, recorded.event.data.deviceId, recorded.time);
  },
};
