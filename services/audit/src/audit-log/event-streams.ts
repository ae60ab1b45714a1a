import type { JetStreamManager } from '@nats-io/jetstream';
import { applyStreams, eventStreams, type EventStoreNaming } from '@keelson/event-store';

/**
 * Creates the event streams that do not exist yet, so the audit can start before their owners, with
 * the installation's replicas. It never updates an existing stream: its owner sets its config
 * (limits), not the audit; but it refuses, as the owner would, one of another replica count or
 * set up by a newer release.
 */
export async function ensureEventStreams(jsm: JetStreamManager, naming: EventStoreNaming, replicas: number): Promise<void> {
  await applyStreams(jsm, naming, Object.values(eventStreams), { replicas, update: false });
}
