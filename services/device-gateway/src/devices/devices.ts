import { NotFound } from '@keelson/domain-kit';
import {
  AggregateCache,
  loadAggregate,
  handleCommand,
  type CommandOutcome,
  type EventMetadata,
  type EventStore,
} from '@keelson/event-store';
import type { DeviceEvent } from '@keelson/events';
import { deviceDecider, type DeviceCommand } from './device.decide.js';
import type { Device } from './device.js';

/** Runs device commands against `ev.device.<fleet>.<deviceId>`: load, decide, append, retry on conflict. */
export class Devices {
  private readonly cache = new AggregateCache<Device>();

  constructor(readonly store: EventStore<DeviceEvent>) {}

  subject(fleet: string, deviceId: string): string {
    return this.store.subject('device', fleet, deviceId);
  }

  async execute(
    fleet: string,
    deviceId: string,
    command: DeviceCommand,
    meta: EventMetadata,
  ): Promise<CommandOutcome<DeviceEvent, Device>> {
    try {
      return await handleCommand({
        store: this.store,
        subject: this.subject(fleet, deviceId),
        decider: deviceDecider,
        command,
        meta,
        cache: this.cache,
      });
    } catch (err) {
      // The decider cannot name a device it has never seen; the caller can.
      if (err instanceof NotFound) throw new NotFound('device', deviceId, { cause: err });
      throw err;
    }
  }

  /**
   * The device's state as this replica last saw it, without a read when it is cached: for what may
   * lag by an event (a live step on its way to watchers), never for a decision that is recorded.
   */
  async recent(fleet: string, deviceId: string): Promise<Device> {
    return this.cache.get(this.subject(fleet, deviceId))?.state ?? this.current(fleet, deviceId);
  }

  /**
   * The `traceparent` of the change that produced `generation` of the device's desired state, when
   * it was traced: a desired state sent later (in answer to a hello) continues that trace. Reads the
   * device's whole history: for the rare answer to a device that missed its state, with tracing on.
   */
  async traceOfDesiredState(fleet: string, deviceId: string, generation: number): Promise<string | undefined> {
    const { events } = await this.store.load(this.subject(fleet, deviceId));
    return events.findLast((r) => r.event.type === 'DesiredStateChanged' && r.event.data.generation === generation)?.meta.traceparent;
  }

  /** The device's current state, read from its stream (through the cache) up to the leader's newest event. */
  async current(fleet: string, deviceId: string): Promise<Device> {
    const subject = this.subject(fleet, deviceId);
    return (await loadAggregate(this.store, subject, deviceDecider, this.cache, { latest: true })).state;
  }
}
