import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, parseRolloutEvent, type DeviceEvent, type RolloutEvent } from '@keelson/events';
import type { TestPlatform } from './test-platform.js';

/**
 * A platform's event streams as they are, read with its diagnostics NATS user: no read model, no
 * service in between, so a spec sees what was written even while the service that wrote it is down.
 */
export interface PlatformStreams {
  rolloutEvents(rolloutId: string): Promise<RolloutEvent[]>;
  deviceEvents(deviceId: string): Promise<DeviceEvent[]>;
  /**
   * The durable consumers whose names contain `service` that still hold work: messages not yet
   * delivered, or delivered and not acknowledged (also those in the hands of a killed process,
   * until its ack wait lapses and a live one takes them). Empty when the service has settled all.
   */
  unsettledConsumers(service: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A NATS connection as the platform's diagnostics user, who may read and write every stream. */
export function connectDiagnostics(platform: TestPlatform, name?: string): Promise<NatsConnection> {
  if (!platform.diagnostics) throw new Error('connectDiagnostics: start the platform with diagnosticsUser: true');
  const { user, password: pass } = platform.diagnostics;
  return connect({ servers: platform.nats.url, user, pass, ...(name ? { name } : {}) });
}

export async function openStreams(platform: TestPlatform, fleet = 'default'): Promise<PlatformStreams> {
  const nc = await connectDiagnostics(platform, 'e2e-streams');
  const naming = { streamPrefix: '', subjectPrefix: '' };
  const rollouts = new EventStore<RolloutEvent>({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
  const devices = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  return {
    rolloutEvents: async (rolloutId) => (await rollouts.load(rollouts.subject('rollout', fleet, rolloutId))).events.map((r) => r.event),
    deviceEvents: async (deviceId) => (await devices.load(devices.subject('device', fleet, deviceId))).events.map((r) => r.event),
    unsettledConsumers: async (service) => {
      const jsm = await jetstreamManager(nc);
      const busy: string[] = [];
      for (const stream of [eventStreams.orchestrator.name, eventStreams.gateway.name]) {
        for await (const c of jsm.consumers.list(stream)) {
          if (c.name.includes(service) && (c.num_pending > 0 || c.num_ack_pending > 0)) busy.push(c.name);
        }
      }
      return busy;
    },
    close: () => nc.close(),
  };
}

/**
 * How many times the gateway appended the rollout's install assignment to the device's desired
 * state. Each accepted assign is one `DesiredStateChanged` with the new assignment last (the others
 * are carried over): every such append counts, so an assignment appended twice counts twice.
 */
export function installAppends(events: DeviceEvent[], rolloutId: string): number {
  return events.filter((e) => {
    if (e.type !== 'DesiredStateChanged') return false;
    const added = e.data.assignments.at(-1);
    return added?.rolloutId === rolloutId && added.action === 'install';
  }).length;
}
