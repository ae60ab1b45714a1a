import { randomUUID } from 'node:crypto';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { lazyJetStreamManager, LogWriter, type EventMetadata, type EventStore, type EventStoreNaming } from '@keelson/event-store';
import { MinuteBudget } from '@keelson/service-kit';
import type { EnrollmentAttemptRefusal, EnrollmentEvent } from '@keelson/events';

/** One refused attempt as enrollment saw it; `fleet` is the fleet the token named, if it named one. */
export interface RefusedAttempt {
  fleet?: string | undefined;
  reason: EnrollmentAttemptRefusal;
  at: Date;
}

export interface RefusalLogOptions {
  nc: NatsConnection;
  naming: EventStoreNaming;
  store: EventStore<EnrollmentEvent>;
  /** Where attempts naming no existing fleet are logged (`KEELSON_ENROLLMENT_AUDIT_FLEET`, default `default`). */
  auditFleet: string;
  /** Attempts logged one event each per minute; beyond that they are counted into summaries. */
  perMinute?: number;
  onError?: (err: unknown) => void;
}

interface Tally {
  fleet: string;
  claimedFleet?: string;
  reason: EnrollmentAttemptRefusal;
  attempts: number;
  firstAt: Date;
  lastAt: Date;
}

const gateway = { kind: 'system', id: 'device-gateway' } as const;
const minute = 60_000;

/**
 * The audit trail of refused enrollment attempts that no token aggregate can hold (unknown and
 * malformed tokens), and of known tokens refused during a flood. Bounded: at most `perMinute`
 * attempts are logged one by one per minute; the rest are counted and written as one summary per
 * fleet and reason each minute. Fleets are only those that exist (a token was issued for them), so
 * an attacker naming made-up fleets adds to one summary in the audit fleet, not to new subjects.
 */
export class RefusalLog {
  private readonly budget: MinuteBudget;
  private readonly log: LogWriter<EnrollmentEvent>;
  private readonly tallies = new Map<string, Tally>();
  private readonly knownFleets = new Set<string>();
  private readonly jsm: () => Promise<JetStreamManager>;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly o: RefusalLogOptions) {
    this.budget = new MinuteBudget(o.perMinute ?? 60);
    this.log = new LogWriter(o.nc, o.store);
    this.jsm = lazyJetStreamManager(o.nc);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush().catch((err: unknown) => this.o.onError?.(err)), minute);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch((err: unknown) => this.o.onError?.(err));
  }

  /** True while this minute's budget of one-by-one entries lasts (then the attempt is only counted). */
  take(at: Date): boolean {
    return this.budget.take(at);
  }

  /** Logs an attempt, at once within the budget, else into the current summary. */
  async record(attempt: RefusedAttempt): Promise<void> {
    const fleet = attempt.fleet && (await this.exists(attempt.fleet)) ? attempt.fleet : this.o.auditFleet;
    const claimedFleet = attempt.fleet && attempt.fleet !== fleet ? attempt.fleet : undefined;
    if (this.take(attempt.at)) {
      const tally: Tally = {
        fleet,
        reason: attempt.reason,
        attempts: 1,
        firstAt: attempt.at,
        lastAt: attempt.at,
        ...(claimedFleet ? { claimedFleet } : {}),
      };
      return this.write(tally);
    }
    this.count(fleet, attempt.reason, attempt.at);
  }

  /** Counts an attempt without logging it now (a known token refused beyond the budget). */
  count(fleet: string, reason: EnrollmentAttemptRefusal, at: Date): void {
    const key = `${fleet}/${reason}`;
    const tally = this.tallies.get(key);
    if (tally) [tally.attempts, tally.lastAt] = [tally.attempts + 1, at];
    else this.tallies.set(key, { fleet, reason, attempts: 1, firstAt: at, lastAt: at });
  }

  /** Writes every pending summary. */
  async flush(): Promise<void> {
    const pending = [...this.tallies.values()];
    this.tallies.clear();
    for (const tally of pending) await this.write(tally);
  }

  // A fleet exists once a token was issued for it; remembered, as fleets are never removed.
  private async exists(fleet: string): Promise<boolean> {
    if (this.knownFleets.has(fleet)) return true;
    const info = await (
      await this.jsm()
    ).streams.info(this.o.store.streamName, { subjects_filter: `${this.o.naming.subjectPrefix}ev.enrollment.${fleet}.>` });
    const found = Object.keys(info.state.subjects ?? {}).length > 0;
    if (found && this.knownFleets.size < 10_000) this.knownFleets.add(fleet);
    return found;
  }

  // One subject's writes queue behind each other (LogWriter), so a flood within this process loses no count.
  private write(tally: Tally): Promise<void> {
    const subject = this.o.store.subject('enrollment', tally.fleet, 'refusals');
    const event: EnrollmentEvent = {
      type: 'EnrollmentAttemptsRefused',
      schemaVersion: 1,
      data: {
        fleet: tally.fleet,
        ...(tally.claimedFleet ? { claimedFleet: tally.claimedFleet } : {}),
        reason: tally.reason,
        attempts: tally.attempts,
        firstAt: tally.firstAt.toISOString(),
        lastAt: tally.lastAt.toISOString(),
      },
    };
    const meta: EventMetadata = { actor: gateway, correlationId: randomUUID(), commandId: randomUUID() };
    return this.log.append(subject, event, meta);
  }
}
