import type { JsMsg } from '@nats-io/jetstream';

/**
 * How long the server waits for an acknowledgement before it redelivers. Short, so that messages a
 * crashed process held are handed to a live one within seconds; long handling keeps its messages by
 * telling the server it is still working (see `holdMessages`).
 */
export const ACK_WAIT_MS = 10_000;
/** A held message the server last heard of this long ago is told about: its ack wait is at risk. */
export const AT_RISK_MS = ACK_WAIT_MS / 3;
/**
 * How often the held messages are looked over. A message is told about at most `AT_RISK_MS` +
 * `CHECK_EVERY_MS` (5.8 s) after the server last heard of it, well inside the ack wait.
 */
const CHECK_EVERY_MS = ACK_WAIT_MS / 4;

/** The messages a runner has received and not yet settled (acked, naked or terminated). */
export interface HeldMessages {
  hold(m: JsMsg): void;
  settled(m: JsMsg): void;
  /**
   * Tells the server (in-progress) about each held message it last heard of `AT_RISK_MS` or more
   * ago; a timer calls it every `CHECK_EVERY_MS`.
   */
  keepAtRisk(): void;
  /** Stops the heartbeats; whatever is still held is left to the server's ack wait. */
  release(): void;
}

/**
 * Keeps every received message that is not yet settled from being redelivered: the one in hand (one
 * reactor message may take minutes: a wave of thousands of devices) and the ones that arrived
 * meanwhile and wait their turn, which the server would otherwise hand to another replica, out of order.
 * Only messages held long enough for their ack wait to be at risk get an in-progress heartbeat: most
 * are settled within milliseconds, and a heartbeat each would be one more message per delivery.
 */
export function holdMessages(now: () => number = () => performance.now()): HeldMessages {
  /** Each held message, with when the server last heard of it (its delivery, or our last heartbeat). */
  const pending = new Map<JsMsg, number>();
  const keepAtRisk = () => {
    const t = now();
    for (const [m, heard] of pending) {
      if (t - heard < AT_RISK_MS) continue;
      m.working();
      pending.set(m, t);
    }
  };
  const timer = setInterval(keepAtRisk, CHECK_EVERY_MS);
  timer.unref();
  return {
    hold: (m) => void pending.set(m, now()),
    settled: (m) => void pending.delete(m),
    keepAtRisk,
    release: () => {
      clearInterval(timer);
      pending.clear();
    },
  };
}
