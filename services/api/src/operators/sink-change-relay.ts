import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { audit } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import { sendRequest, type RequestContext, type DeclaredWorker } from '@keelson/service-kit';
import type { AuditSinkRecords } from './audit-sink-records.js';

/** How the relay looks for sink changes whose operator event is missing. */
export interface SinkChangeRelayOptions {
  /** Seconds between two looks. */
  everySeconds: number;
  /** A change younger than this is left to the request that made it (it records its own change). */
  graceSeconds: number;
}

export const sinkChangeRelayDefaults: SinkChangeRelayOptions = { everySeconds: 5, graceSeconds: 10 };

const relayContext = (): RequestContext => ({
  actor: { kind: 'service', id: 'api' },
  commandId: randomUUID(),
  correlationId: randomUUID(),
});

/** The api's NATS link and the records a relay appends through. */
export interface SinkChangeRelayDeps {
  nc: NatsConnection;
  naming: EventStoreNaming;
  records: AuditSinkRecords;
}

/**
 * Appends the operator event of every sink change the audit service made but the api never
 * confirmed: the api stopped (or JetStream failed) between the audit's answer and the append. The
 * event keeps the actor and command of the change, not the relay's. One replica at a time looks.
 */
export function sinkChangeRelay(
  { nc, naming, records }: SinkChangeRelayDeps,
  options: SinkChangeRelayOptions = sinkChangeRelayDefaults,
): DeclaredWorker {
  const logger = new Logger('audit-sink-changes');
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastFailure: string | undefined; // an audit service that is away fails every look: said once, not every 5 s
  const round = async () => {
    const { items } = await sendRequest(
      nc,
      naming,
      audit.unrecordedSinkChanges,
      { olderThanSeconds: options.graceSeconds, limit: 100 },
      relayContext(),
    );
    for (const change of items) {
      await records.record(change);
      logger.warn(
        `recorded the ${change.kind} of audit sink ${change.sink.name} (fleet ${change.sink.fleet}) after the request that made it could not`,
      );
    }
  };
  const failed = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (message !== lastFailure) logger.error(`relaying audit sink changes failed: ${message}`);
    lastFailure = message;
  };
  const tick = () => {
    running ??= round()
      .then(() => (lastFailure = undefined), failed)
      .finally(() => (running = undefined));
  };
  return {
    name: 'audit sink change relay',
    replicas: 'single-active', // each change needs one append; a second replica would only race the first
    start: () => {
      timer = setInterval(tick, options.everySeconds * 1000);
      timer.unref();
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
