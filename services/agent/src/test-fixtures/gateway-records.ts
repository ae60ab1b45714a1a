import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { LiveDeviceProgress, parseDeviceEvent, type DeviceEvent, type DeviceReportedProgress } from '@keelson/events';
import type { TestNamespace } from '@keelson/testing';

/** What the platform under test recorded and sent, read by the agent e2e specs and shown when an install never ends. */
export interface GatewayRecords {
  /** The desired states the gateway sent devices, one line each. */
  desiredSent: string[];
  reportsOf(deviceId: string): Promise<DeviceReportedProgress['data'][]>;
  statesOf(deviceId: string, assignmentId: string): Promise<string[]>;
  liveStepsOf(deviceId: string, assignmentId: string): string[];
}

/** Subscribes (into `subscriptions`, drained by the caller) to what the gateway sends and reads what it stored. */
export function recordGateway(nc: NatsConnection, naming: TestNamespace, fleet: string, subscriptions: Subscription[]): GatewayRecords {
  // What the gateway sent devices, shown when an install never ends.
  const desiredSent: string[] = [];
  subscriptions.push(
    nc.subscribe(`${naming.subjectPrefix}keelson.cmd.*.desired`, {
      callback: (_e, m) =>
        void desiredSent.push(
          `${new Date().toISOString()} ${m.subject.split('.').at(-2)} generation ${JSON.parse(m.string()).data.generation}`,
        ),
    }),
  );
  const liveSteps: LiveDeviceProgress['data'][] = [];
  subscriptions.push(
    nc.subscribe(`${naming.subjectPrefix}live.device-progress.>`, {
      callback: (_e, m) => void liveSteps.push(LiveDeviceProgress.parse(m.json()).data),
    }),
  );
  const devices = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  const reportsOf = async (deviceId: string) =>
    (await devices.load(devices.subject('device', fleet, deviceId))).events.flatMap((r) =>
      r.event.type === 'DeviceReportedProgress' ? [r.event.data] : [],
    );
  const statesOf = async (deviceId: string, assignmentId: string) =>
    (await reportsOf(deviceId)).filter((r) => r.assignmentId === assignmentId).map((r) => r.state);
  const liveStepsOf = (deviceId: string, assignmentId: string) =>
    liveSteps.filter((r) => r.deviceId === deviceId && r.assignmentId === assignmentId).map((r) => r.state);
  return { desiredSent, reportsOf, statesOf, liveStepsOf };
}

export /** Each consumer of the test's streams: what it has not been given, holds unacknowledged, got again. */
async function consumerStates(nc: NatsConnection, streamPrefix: string): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const lines: string[] = [];
  for await (const stream of jsm.streams.list()) {
    if (!stream.config.name.startsWith(streamPrefix)) continue;
    for await (const c of jsm.consumers.list(stream.config.name)) {
      lines.push(
        `${c.name}: pending ${c.num_pending}, ack pending ${c.num_ack_pending}, redelivered ${c.num_redelivered}, waiting pulls ${c.num_waiting}, delivered ${c.delivered.stream_seq}, acked ${c.ack_floor.stream_seq}`,
      );
    }
  }
  return lines;
}

export async function mqttConsumerFilters(nc: NatsConnection): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const filters: string[] = [];
  for await (const c of jsm.consumers.list('$MQTT_msgs')) filters.push(c.config.filter_subject ?? '', ...(c.config.filter_subjects ?? []));
  return filters;
}
