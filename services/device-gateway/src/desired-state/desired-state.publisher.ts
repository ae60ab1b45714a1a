import type { NatsConnection } from '@nats-io/transport-node';
import { Counter, register } from 'prom-client';
import { activeTraceparent, eventStreams, reactorHandlers, type Reactor } from '@keelson/event-store';
import { DesiredState, parseDeviceEvent, type Assignment, type DeviceEvent } from '@keelson/events';

/** `<prefix>keelson.cmd.<deviceId>.desired`: the MQTT topic `<root>/cmd/<deviceId>/desired` seen from NATS. */
export function desiredStateSubject(subjectPrefix: string, deviceId: string): string {
  return `${subjectPrefix}keelson.cmd.${deviceId}.desired`;
}

/**
 * Sends devices their desired state over core NATS; the broker hands it to the device's MQTT
 * subscription. A device that is offline misses it and gets it again in answer to its next hello.
 */
export class DesiredStatePublisher {
  private readonly encoder = new TextEncoder();
  private readonly sent = desiredStatesSent();

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjectPrefix: string,
  ) {}

  /**
   * `cause`: a change of the state (`change`) or the answer to a device's hello (`hello`). The state
   * carries `traceparent`, the trace of the change that made it (when tracing is on), which the
   * agent echoes in its reports: a change is pushed in its own trace, so that is the active one.
   */
  publish(
    deviceId: string,
    generation: number,
    assignments: Assignment[],
    cause: 'change' | 'hello',
    traceparent = cause === 'change' ? activeTraceparent() : undefined,
  ): void {
    const data = { deviceId, generation, assignments, ...(traceparent ? { traceparent } : {}) };
    const message = DesiredState.parse({ type: 'DesiredState', schemaVersion: 1, data });
    this.nc.publish(desiredStateSubject(this.subjectPrefix, deviceId), this.encoder.encode(JSON.stringify(message)));
    this.sent.inc({ cause });
  }
}

/**
 * Pushes every change of a device's desired state to the device. Redelivery after a restart sends a
 * generation again, which agents ignore when they already have it or a newer one.
 */
export function desiredStatePush(publisher: DesiredStatePublisher): Reactor<DeviceEvent> {
  return {
    name: 'gateway-desired-state',
    stream: eventStreams.gateway,
    filterSubjects: ['ev.device.>'],
    parse: parseDeviceEvent,
    ...reactorHandlers<DeviceEvent>({
      DesiredStateChanged: async ({ event }) =>
        publisher.publish(event.data.deviceId, event.data.generation, event.data.assignments, 'change'),
    }),
  };
}

/** Desired states sent to devices, by cause (`change`, `hello`). */
export function desiredStatesSent(): Counter<string> {
  const name = 'keelson_desired_states_sent_total';
  return (
    (register.getSingleMetric(name) as Counter<string> | undefined) ??
    new Counter({ name, help: 'Desired states sent to devices, by cause', labelNames: ['cause'] })
  );
}
