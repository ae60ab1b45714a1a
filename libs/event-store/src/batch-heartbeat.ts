import type { JsMsg } from '@nats-io/jetstream';

/**
 * How long the server waits for an acknowledgement before it redelivers. Short, so that messages a
 * crashed process held are handed to a live one within seconds; long handling keeps its messages by
 * telling the server it is still working (see `holdBatch`).
 */
export const ACK_WAIT_MS = 10_000;
const HEARTBEAT_MS = ACK_WAIT_MS / 3;

/**
 * Keeps every message of a batch that is not yet settled from being redelivered while the batch is
 * handled (one reactor message may take minutes: a wave of thousands of devices). Call `settled` as
 * each message is acked, naked or terminated, and `release` when the batch is done.
 */
export function holdBatch(batch: readonly JsMsg[]): { settled(m: JsMsg): void; release(): void } {
  const pending = new Set(batch);
  const timer = setInterval(() => {
    for (const m of pending) m.working();
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    settled: (m) => void pending.delete(m),
    release: () => {
      clearInterval(timer);
      pending.clear();
    },
  };
}
