import { audit } from '@keelson/requests';
import type { AuditCloudEvent } from '@keelson/events';
import { handlerFor, type RequestHandler } from '@keelson/service-kit';
import { pageOf } from './fake-page.js';

/** The audit query over real NATS, backed by memory; remembers the last query it answered. */
export class FakeAudit {
  readonly entries: AuditCloudEvent[] = [];
  lastQuery: unknown;
  /** How many times the chain was verified: a refused request must not reach the audit service. */
  verifications = 0;

  add(fleet: string, type: string, data: Record<string, unknown>): void {
    const seq = this.entries.length + 1;
    this.entries.push({
      specversion: '1.0',
      id: `EV_ROLLOUTS-${seq}`,
      source: 'keelson',
      type: `io.keelson.rollout.${type}`,
      time: new Date().toISOString(),
      subject: `ev.rollout.${fleet}.${String(data.rolloutId)}`,
      datacontenttype: 'application/json',
      keelsonfleet: fleet,
      keelsonactor: 'operator:admin',
      keelsonstream: 'EV_ROLLOUTS',
      keelsonseq: seq,
      keelsonprevhash: '0'.repeat(64),
      keelsonhash: String(seq).padStart(64, '0'),
      data,
    });
  }

  handlers(): RequestHandler[] {
    return [
      handlerFor(audit.queryAudit, async (input) => {
        this.lastQuery = input;
        const items = this.entries.filter(
          (e) => e.keelsonfleet === input.fleet && (!input.rolloutId || e.data.rolloutId === input.rolloutId),
        );
        return pageOf(input.order === 'newest' ? items.reverse() : items, input);
      }),
      // No sinks here, so no sink change ever waits for its event (the api's relay asks every few seconds).
      handlerFor(audit.unrecordedSinkChanges, async () => ({ items: [] })),
      // The chain of every fleet's entries, as the audit service walks it: its length and the last hash.
      handlerFor(audit.verifyAudit, async () => {
        this.verifications++;
        return { intact: true, entries: this.entries.length, headHash: this.entries.at(-1)?.keelsonhash ?? '0'.repeat(64) };
      }),
    ];
  }
}
