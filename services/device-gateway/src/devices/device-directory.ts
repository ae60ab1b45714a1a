import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, lazyJetStreamManager, type EventStoreNaming } from '@keelson/event-store';

/**
 * Finds the fleet of a device from its id alone, as device topics carry no fleet. Asks the event
 * stream which `ev.device.*.<deviceId>.*` subject exists (typed subjects), or else which
 * `ev.device.*.<deviceId>` (a device whose events are all from before typed subjects), so it works
 * the moment a device enrolled (a read model may lag), and remembers the answer: a device never
 * changes fleet.
 */
export class DeviceDirectory {
  private readonly fleets = new Map<string, string>();
  private readonly jsm: () => Promise<JetStreamManager>;
  private readonly stream: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: EventStoreNaming,
    private readonly capacity = 100_000,
  ) {
    this.stream = `${naming.streamPrefix}${eventStreams.gateway.name}`;
    this.jsm = lazyJetStreamManager(nc);
  }

  /** The device's fleet, or undefined for an id that never enrolled. */
  async fleetOf(deviceId: string): Promise<string | undefined> {
    const known = this.fleets.get(deviceId);
    if (known) return known;
    const prefix = `${this.naming.subjectPrefix}ev.device.`;
    const subject = (await this.anySubject(`${prefix}*.${deviceId}.*`)) ?? (await this.anySubject(`${prefix}*.${deviceId}`));
    if (!subject) return undefined;
    const fleet = subject.slice(prefix.length).split('.')[0];
    if (fleet) this.remember(deviceId, fleet);
    return fleet;
  }

  private async anySubject(filter: string): Promise<string | undefined> {
    const info = await (await this.jsm()).streams.info(this.stream, { subjects_filter: filter });
    return Object.keys(info.state.subjects ?? {})[0];
  }

  /** Records a fleet learnt elsewhere (the read model at start-up). */
  remember(deviceId: string, fleet: string): void {
    if (this.fleets.size >= this.capacity) this.fleets.clear(); // a cache, not a registry: refill on demand
    this.fleets.set(deviceId, fleet);
  }
}
