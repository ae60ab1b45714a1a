import { randomUUID } from 'node:crypto';
import { NotFound } from '@keelson/domain-kit';
import { activeTraceparent, type EventMetadata, type Reactor, type RecordedEvent } from '@keelson/event-store';
import type { DesiredStatePublisher } from '../desired-state/desired-state.publisher.js';
import { reportStanding } from '../devices/device.js';
import { owesDesiredState } from '../devices/hello-answer.js';
import type { DeviceDirectory } from '../devices/device-directory.js';
import type { DevicePresenceStore } from '../devices/device-presence.store.js';
import type { Devices } from '../devices/devices.js';
import { deviceInbox } from './device-inbox.stream.js';
import { droppedDeviceMessages, handledDeviceMessages } from './device-inbox.metrics.js';
import { checkDeviceMessage, type CheckedDeviceMessage } from './device-message.check.js';
import type { ReachabilityWatch } from './reachability-watch.js';

export interface DeviceInboxDeps {
  subjectPrefix: string;
  devices: Devices;
  directory: DeviceDirectory;
  presence: DevicePresenceStore;
  watch: ReachabilityWatch;
  desired: DesiredStatePublisher;
}

/**
 * Turns what devices publish into device events. Anything malformed, misaddressed or refused throws
 * a DomainError, which the runner counts (`onPoison`) and drops; infrastructure errors are retried.
 */
export class DeviceInboxHandler {
  private readonly dropped = droppedDeviceMessages();
  private readonly handled = handledDeviceMessages();

  constructor(private readonly d: DeviceInboxDeps) {}

  /** The durable consumer of DEVICE_INBOX; the payload is parsed and checked here, with the subject. */
  reactor(): Reactor<unknown> {
    return {
      name: 'gateway-device-inbox',
      stream: deviceInbox,
      parse: (raw) => raw,
      handle: (recorded) => this.handle(recorded),
      // MQTT has no headers: a report echoes its assignment's trace in its payload, and handling it continues that trace.
      traceOf: (recorded) => echoedTrace(recorded.event),
    };
  }

  async handle(recorded: RecordedEvent<unknown>): Promise<void> {
    const checked = checkDeviceMessage(this.d.subjectPrefix, recorded.subject, recorded.event);
    const fleet = await this.d.directory.fleetOf(checked.deviceId);
    if (!fleet) throw new NotFound('device', checked.deviceId);
    // Stable per inbox message, so a redelivered message is de-duplicated by JetStream too.
    const meta: EventMetadata = {
      actor: { kind: 'device', id: checked.deviceId },
      correlationId: randomUUID(),
      commandId: `inbox.${recorded.seq}.${recorded.time.getTime()}`,
    };
    await this.act(checked, fleet, recorded.time, meta);
    this.handled.inc({ type: checked.topic });
  }

  private async act(checked: CheckedDeviceMessage, fleet: string, at: Date, meta: EventMetadata): Promise<void> {
    const { devices, watch } = this.d;
    switch (checked.topic) {
      case 'hello': {
        const { installed, hardware, desiredGeneration } = checked.message.data;
        const outcome = await devices.execute(fleet, checked.deviceId, { type: 'MarkReachable', at: at.toISOString() }, meta);
        watch.seen(checked.deviceId, fleet, at);
        watch.markedReachable(checked.deviceId);
        await this.d.presence.recordHello(checked.deviceId, at, installed, hardware);
        if (outcome.state.status !== 'absent' && owesDesiredState(outcome.state, desiredGeneration)) {
          const { generation, assignments } = outcome.state;
          // The state goes on in the trace of the rollout or command that changed it, not this hello's
          // (looked up only while tracing: a hello is handled in a span then).
          const trace = activeTraceparent() ? await devices.traceOfDesiredState(fleet, checked.deviceId, generation) : undefined;
          this.d.desired.publish(checked.deviceId, generation, assignments, 'hello', trace);
        }
        return;
      }
      case 'report': {
        const { assignmentId, rolloutId, state, reason, sentAt, steps, installed } = checked.message.data;
        const report = {
          assignmentId,
          rolloutId,
          state,
          reportedAt: sentAt,
          ...(reason === undefined ? {} : { reason }),
          ...(steps === undefined ? {} : { steps }),
        };
        const outcome = await devices.execute(fleet, checked.deviceId, { type: 'RecordReport', ...report }, meta);
        await watch.heard(checked.deviceId, fleet, at);
        if (
          outcome.events.length === 0 &&
          outcome.state.status !== 'absent' &&
          reportStanding(outcome.state, report) === 'unknown-assignment'
        ) {
          return void this.dropped.inc({ reason: 'unknown-assignment' });
        }
        // An outcome says what the device runs since: the hello every update used to end with.
        if (installed) await this.d.presence.recordHello(checked.deviceId, at, installed, undefined);
        return;
      }
      case 'heartbeat':
      case 'progress':
      case 'metrics':
        return; // these arrive on core subscriptions, never through the inbox stream
    }
  }
}

/**
 * The `traceparent` a device message echoes (`data.traceparent`), read before the message is checked:
 * only its length is tested here (the propagator parses it or ignores it), the schema checks the rest.
 */
function echoedTrace(raw: unknown): { traceparent: string } | undefined {
  const traceparent = (raw as { data?: { traceparent?: unknown } } | null)?.data?.traceparent;
  return typeof traceparent === 'string' && traceparent.length === 55 ? { traceparent } : undefined;
}
