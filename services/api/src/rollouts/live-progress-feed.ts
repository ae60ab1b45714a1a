import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { LiveDeviceProgress, liveProgressSubject } from '@keelson/events';

/** One live step as the stream forwards it: the message and when the api passed it on. */
export interface FedProgress {
  time: string;
  event: LiveDeviceProgress;
}

/**
 * The steps a rollout's devices enter, as the gateway relays them (core NATS: live only, never
 * replayed). Subscribed when the stream opens, so no step relayed after that is missed; a step of
 * an assignment the stream has already seen an outcome for is dropped (`ended`), since QoS 0 steps
 * may overtake nothing but may well trail the outcome.
 */
export class LiveProgressFeed {
  private readonly sub: Subscription;
  private readonly ended = new Set<string>();

  constructor(nc: NatsConnection, subjectPrefix: string, fleet: string, rolloutId: string) {
    this.sub = nc.subscribe(liveProgressSubject(subjectPrefix, fleet, rolloutId));
  }

  /** An assignment's outcome was stored: its steps are over. */
  outcome(assignmentId: string): void {
    this.ended.add(assignmentId);
  }

  async *steps(): AsyncGenerator<FedProgress> {
    for await (const m of this.sub) {
      let event: LiveDeviceProgress;
      try {
        event = LiveDeviceProgress.parse(m.json());
      } catch {
        continue; // only the gateway may publish here; a message it did not write is nobody's step
      }
      if (!this.ended.has(event.data.assignmentId)) yield { time: new Date().toISOString(), event };
    }
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
