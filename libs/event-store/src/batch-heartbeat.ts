import type { JsMsg } from '@nats-io/jetstream';

/**
 * How long the server waits for an acknowledgement before it redelivers. Short, so that messages a
 * crashed process held are handed to a live one within seconds; long handling keeps its messages by
 * telling the server it is still working (see `holdMessages`).
 */
export const ACK_WAIT_MS = 10_000;
const HEARTBEAT_MS = ACK_WAIT_MS / 3;

/** The messages a runner has received and not yet settled (acked, naked or terminated). */
export interface HeldMessages {
  hold(m: JsMsg): void;
  settled(m: JsMsg): void;
  /** Stops the heartbeats; whatever is still held is left to the server's ack wait. */
  release(): void;
}

/**
 * Keeps every received message that is not yet settled from being redelivered: the one in hand (one
 * reactor message may take minutes: a wave of thousands of devices) and the ones that arrived
 * meanwhile and wait their turn, which the server would otherwise hand to another replica, out of order.
 */
export function holdMessages(): HeldMessages {
  const pending = new Set<JsMsg>();
  const timer = setInterval(() => {
    for (const m of pending) m.working();
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    hold: (m) => void pending.add(m),
    settled: (m) => void pending.delete(m),
    release: () => {
      clearInterval(timer);
      pending.clear();
    },
  };
}
