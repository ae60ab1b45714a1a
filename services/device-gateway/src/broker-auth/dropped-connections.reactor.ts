import { eventStreams, reactorHandlers, type Reactor } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import type { ConnectionKicker } from './connection-kicker.js';

export interface DroppedConnectionsDeps {
  db: Database;
  /** Absent when the gateway has no system-account credentials: connections then last until their session ends. */
  kicker: ConnectionKicker | null;
  now: () => Date;
  /** Pause before looking for connections a second time (an admission that was in flight). */
  settleMs?: number;
  onKicked?: (deviceId: string, connections: number) => void;
}

// Events older than this are history being replayed (a new consumer): their connections are long gone.
const freshMs = 60_000;

/**
 * Drops the live broker connections of a decommissioned device, and the old connections of a
 * re-enrolled one. Its credentials are revoked first
 * (the same idempotent update the revocation projection makes), so the reconnect that follows a
 * kick is refused; then every connection it holds is closed. An admission the auth callout granted
 * just before the revocation may only register after the first look, so a fresh event gets a second.
 */
export function droppedConnectionsReactor(deps: DroppedConnectionsDeps): Reactor<DeviceEvent> {
  const settleMs = deps.settleMs ?? 1_000;
  /** Closes the device's connections (opened before `startedBefore`, if given), twice for a fresh event. */
  const kick = async (deviceId: string, time: Date, startedBefore?: Date) => {
    if (!deps.kicker) return;
    let kicked = await deps.kicker.kick(deviceId, startedBefore);
    if (deps.now().getTime() - time.getTime() < freshMs) {
      await new Promise((r) => setTimeout(r, settleMs));
      kicked += await deps.kicker.kick(deviceId, startedBefore);
    }
    deps.onKicked?.(deviceId, kicked);
  };
  return {
    name: 'gateway-dropped-connections',
    stream: eventStreams.gateway,
    filterSubjects: ['ev.device.>'],
    parse: parseDeviceEvent,
    ...reactorHandlers<DeviceEvent>({
      DeviceDecommissioned: async ({ event, time }) => {
        await deps.db.transaction((sql) => DeviceCredentialsStore.revoke(sql, event.data.deviceId, time));
        await kick(event.data.deviceId, time);
      },
      // A re-enrolled device has new credentials already (replaced before the event): only connections
      // opened before it, with the old ones, are dropped.
      DeviceReenrolled: ({ event, time }) => kick(event.data.deviceId, time, time),
    }),
  };
}
