import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { LogWriter, type EventMetadata, type EventStore, type EventStoreNaming } from '@keelson/event-store';
import type { DeviceAccessRefusal, RegistryEvent } from '@keelson/events';
import { MinuteBudget } from '@keelson/service-kit';
import { refusalRecordOf, type RefusalSeen } from './refusal-record.js';

export interface DeviceRefusalLogOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  store: EventStore<RegistryEvent>;
  /** Where certificates that name no existing fleet are logged (`KEELSON_DEVICE_REFUSAL_AUDIT_FLEET`, default `default`). */
  auditFleet: string;
  /** Whether a fleet exists (it has a device CA). */
  fleetExists: (fleet: string) => Promise<boolean>;
  /** Refusals logged one event each per minute; beyond that they are counted into summaries. */
  perMinute?: number;
  onError: (err: unknown) => void;
}

interface Tally {
  fleet: string;
  reason: DeviceAccessRefusal;
  refusals: number;
  deviceIds: Set<string>;
  firstAt: Date;
  lastAt: Date;
}

const facade = { kind: 'service', id: 'registry-facade' } as const;
const minute = 60_000;
const summarisedDevices = 20;

/**
 * The audit trail of refused device reads (`ev.registry.<fleet>.device-refusals`), bounded so that
 * nobody can flood it: at most `perMinute` refusals per minute are logged one event each
 * (`DeviceAccessRefused`); the rest are counted and written once a minute as one
 * `DeviceAccessRefusalsSuppressed` per fleet and reason. Fleets are only proven or existing ones (see
 * refusal-record), so made-up fleets add to the audit fleet's summary, not to new subjects. Recording
 * never holds up the refusal; writes go one at a time, in order.
 */
export class DeviceRefusalLog {
  private readonly budget: MinuteBudget;
  private readonly log: LogWriter<RegistryEvent>;
  private readonly tallies = new Map<string, Tally>();
  private readonly placing = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DeviceRefusalLogOptions) {
    this.budget = new MinuteBudget(o.perMinute ?? 60);
    this.log = new LogWriter(o.nc, o.store);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), minute);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Logs a refusal: at once within this minute's budget, else into the current summary. */
  record(seen: RefusalSeen): void {
    const placed = this.place(seen).catch(this.o.onError);
    this.placing.add(placed);
    void placed.finally(() => this.placing.delete(placed));
  }

  /** Writes every pending summary, after every refusal recorded so far is logged or counted. */
  async flush(): Promise<void> {
    await Promise.all([...this.placing]);
    const pending = [...this.tallies.values()];
    this.tallies.clear();
    for (const t of pending) {
      this.enqueue({
        type: 'DeviceAccessRefusalsSuppressed',
        schemaVersion: 1,
        data: {
          fleet: t.fleet,
          reason: t.reason,
          refusals: t.refusals,
          deviceIds: [...t.deviceIds],
          firstAt: t.firstAt.toISOString(),
          lastAt: t.lastAt.toISOString(),
        },
      });
    }
    await this.log.idle();
  }

  private async place(seen: RefusalSeen): Promise<void> {
    const claim = seen.certificate.claim;
    const claimedFleetExists = claim && !seen.certificate.issuedByFleetCa ? await this.o.fleetExists(claim.fleet) : false;
    const record = refusalRecordOf(seen, { auditFleet: this.o.auditFleet, claimedFleetExists });
    if (this.budget.take(seen.at)) return this.enqueue({ type: 'DeviceAccessRefused', schemaVersion: 1, data: record });
    const key = `${record.fleet}/${record.reason}`;
    const tally = this.tallies.get(key) ?? {
      fleet: record.fleet,
      reason: record.reason,
      refusals: 0,
      deviceIds: new Set<string>(),
      firstAt: seen.at,
      lastAt: seen.at,
    };
    [tally.refusals, tally.lastAt] = [tally.refusals + 1, seen.at];
    if (record.deviceId && tally.deviceIds.size < summarisedDevices) tally.deviceIds.add(record.deviceId);
    this.tallies.set(key, tally);
  }

  // Logged in order behind the earlier writes to the same subject (LogWriter); a failure is reported, never thrown.
  private enqueue(event: RegistryEvent): void {
    const subject = this.o.store.subject('registry', event.data.fleet, 'device-refusals');
    const meta: EventMetadata = { actor: facade, correlationId: randomUUID(), commandId: randomUUID() };
    this.log.append(subject, event, meta).catch(this.o.onError);
  }
}
