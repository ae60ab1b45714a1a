import type { JsMsg } from '@nats-io/jetstream';
import { ACK_WAIT_MS } from '../batch-heartbeat.js';

// How long after a key's lowest message given back is due a message refused behind it is offered
// again: time for that one to be handled first, without a round trip per few milliseconds meanwhile.
const RECHECK_MS = 100;

/**
 * Keeps each key's messages in stream order across redeliveries. A message given back (naked) comes
 * back on the server's clock, each after its own delay, while the consumer goes on delivering the
 * key's later messages: without a memory of what was given back, those would be handled first. The
 * gate remembers, per key, the stream sequences given back and not yet seen again; while a key has
 * any, only a message at or below all of them passes, and any other is given back again, to come
 * back just after the lowest one is due, and remembered. A key with nothing remembered costs one
 * Map lookup. The memory lives in this process: a sequence that has not come back an ack wait after
 * it was due (another replica took it, or it left the stream) is forgotten, so that its key moves on.
 */
export class PartitionGate {
  /** Per key: the sequences given back, each with when the server redelivers it (`now()`, in ms). */
  private readonly givenBack = new Map<string, Map<number, number>>();
  private readonly recheckMs: number;

  constructor(
    private readonly retryDelayMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.recheckMs = Math.min(retryDelayMs, RECHECK_MS);
  }

  /** Whether `m` may be handled now; if not, it has been given back to be offered again later. */
  admit(key: string, m: JsMsg): boolean {
    const seqs = this.givenBack.get(key);
    if (!seqs) return true;
    const now = this.now();
    this.forgetLost(key, seqs, now);
    const first = lowest(seqs);
    if (first !== undefined && m.seq > first) {
      this.giveBack(key, m, Math.max(0, seqs.get(first)! - now) + this.recheckMs);
      return false;
    }
    seqs.delete(m.seq);
    if (!seqs.size) this.givenBack.delete(key);
    return true;
  }

  /** Gives `m` back for a retry after the retry delay (a failure, or behind one): its key waits for it. */
  retryLater(key: string, m: JsMsg): void {
    this.giveBack(key, m, this.retryDelayMs);
  }

  /** Remembers `m`, which was given back elsewhere with the retry delay (the source's `holdBack`). */
  remember(key: string, m: JsMsg, delayMs = this.retryDelayMs): void {
    const seqs = this.givenBack.get(key) ?? new Map<number, number>();
    this.givenBack.set(key, seqs.set(m.seq, this.now() + delayMs));
  }

  private giveBack(key: string, m: JsMsg, delayMs: number): void {
    // Whole milliseconds: nats.js sends them times 1e6 as they are, and the server ignores a nak whose
    // delay is not a whole number of nanoseconds ("bad NAK delay value"), redelivering after the ack wait.
    const delay = Math.ceil(delayMs);
    m.nak(delay);
    this.remember(key, m, delay);
    // Giving back is the rare path: sweep here what never came back, for keys that see nothing more.
    const now = this.now();
    for (const [k, seqs] of this.givenBack) this.forgetLost(k, seqs, now);
  }

  private forgetLost(key: string, seqs: Map<number, number>, now: number): void {
    // Once due, the server redelivers to the first pull open; an ack wait covers pulls being renewed.
    for (const [seq, due] of seqs) if (now - due > ACK_WAIT_MS) seqs.delete(seq);
    if (!seqs.size) this.givenBack.delete(key);
  }
}

function lowest(seqs: Map<number, number>): number | undefined {
  let min: number | undefined;
  for (const seq of seqs.keys()) if (min === undefined || seq < min) min = seq;
  return min;
}
