import type { JsMsg } from '@nats-io/jetstream';
import { ACK_WAIT_MS } from '../batch-heartbeat.js';

// How soon a message refused at the gate is offered again: often enough that a key resumes soon
// after its failed message is handled, seldom enough that a long retry delay costs few round trips.
const RECHECK_MS = 100;

/**
 * Keeps each key's messages in stream order across redeliveries. A message given back (naked) comes
 * back on the server's clock, each after its own delay, while the consumer goes on delivering the
 * key's later messages: without a memory of what was given back, those would be handled first. The
 * gate remembers, per key, the stream sequences given back and not yet seen again; while a key has
 * any, only a message at or below all of them passes, and any other is given back again and
 * remembered. A key with nothing remembered costs one Map lookup. The memory lives in this process:
 * a sequence that does not come back (another replica took it, the stream lost it) is forgotten
 * after `forgetAfterMs`, so that its key moves on.
 */
export class PartitionGate {
  /** Per key: the sequences given back, each with when it was given back last (`now()`, in ms). */
  private readonly givenBack = new Map<string, Map<number, number>>();
  private readonly recheckMs: number;
  private readonly forgetAfterMs: number;

  constructor(private readonly retryDelayMs: number, private readonly now: () => number = () => performance.now()) {
    this.recheckMs = Math.min(retryDelayMs, RECHECK_MS);
    // Past its delay the server redelivers a naked message to the first pull open, here or in another
    // replica: one that has not come back an ack wait later went elsewhere (or left the stream).
    this.forgetAfterMs = retryDelayMs + ACK_WAIT_MS;
  }

  /** Whether `m` may be handled now; if not, it has been given back to be offered again shortly. */
  admit(key: string, m: JsMsg): boolean {
    const seqs = this.givenBack.get(key);
    if (!seqs) return true;
    this.forgetLost(key, seqs, this.now());
    if (seqs.size && m.seq > lowest(seqs)) {
      this.giveBack(key, m, this.recheckMs);
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

  /** Remembers `m`, which was given back elsewhere (the source's `holdBack`). */
  remember(key: string, m: JsMsg): void {
    const seqs = this.givenBack.get(key) ?? new Map<number, number>();
    this.givenBack.set(key, seqs.set(m.seq, this.now()));
  }

  private giveBack(key: string, m: JsMsg, delayMs: number): void {
    m.nak(delayMs);
    this.remember(key, m);
    // Giving back is the rare path: sweep here what never came back, for keys that see nothing more.
    const now = this.now();
    for (const [k, seqs] of this.givenBack) this.forgetLost(k, seqs, now);
  }

  private forgetLost(key: string, seqs: Map<number, number>, now: number): void {
    for (const [seq, at] of seqs) if (now - at > this.forgetAfterMs) seqs.delete(seq);
    if (!seqs.size) this.givenBack.delete(key);
  }
}

function lowest(seqs: Map<number, number>): number {
  let min = Infinity;
  for (const seq of seqs.keys()) min = Math.min(min, seq);
  return min;
}
