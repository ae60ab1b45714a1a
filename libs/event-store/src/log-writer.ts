import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ConcurrencyError } from '@keelson/domain-kit';
import type { EventStore } from './event-store.js';
import type { EventMetadata } from './headers.js';
import { lazyJetStreamManager } from './jetstream-manager.js';

/**
 * Appends to log subjects: subjects with no rules to keep, only an order (a service's refusal log
 * and its summaries). Each event goes after whatever is last on its subject. Writes to one subject
 * through one writer go one at a time, so a burst within a process never races itself and loses
 * nothing; a race lost to another writer (a replica) is retried.
 */
export class LogWriter<E extends { type: string }> {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly jsm: () => Promise<JetStreamManager>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: EventStore<E>,
    private readonly maxAttempts = 5,
  ) {
    this.jsm = lazyJetStreamManager(nc);
  }

  /** Queues `event` behind the earlier writes to `subject`; resolves once it is stored. */
  append(subject: string, event: E, meta: EventMetadata): Promise<void> {
    const written = (this.queues.get(subject) ?? Promise.resolve()).then(() => this.appendNow(subject, event, meta));
    const settled = written.catch(() => undefined);
    this.queues.set(subject, settled);
    void settled.then(() => {
      if (this.queues.get(subject) === settled) this.queues.delete(subject);
    });
    return written;
  }

  /** Resolves once every write queued so far was stored or failed. */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private async appendNow(subject: string, event: E, meta: EventMetadata): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // A direct get, answered by any replica: one that is behind costs a ConcurrencyError and another try.
      const last = await (await this.jsm()).direct.getMessage(this.store.streamName, { last_by_subj: subject });
      try {
        await this.store.append(subject, last?.seq ?? 0, [event], meta);
        return;
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= this.maxAttempts) throw err;
      }
    }
  }
}
