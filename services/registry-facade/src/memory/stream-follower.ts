import type { ConsumerMessages } from '@nats-io/jetstream';

export interface StreamFollowerOptions {
  onError?: (err: unknown) => void;
  /** Pause before following the stream again after a failure; it doubles up to 10 s. */
  retryMs?: number;
}

/**
 * A stream a facade replica follows for its own memories (an ordered, ephemeral consumer each):
 * started once, followed again after any failure with a growing pause (the stream may not exist
 * yet: the facade can start before the service that owns it), stopped by closing the consumer.
 */
export abstract class StreamFollower {
  protected messages: ConsumerMessages | undefined;
  protected stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly follower: StreamFollowerOptions) {}

  start(): void {
    this.running = this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
    await this.running;
  }

  /** Creates the consumer (into `messages`) and reads it until it closes; throws when it fails. */
  protected abstract followOnce(): Promise<void>;

  /** Told each time following failed, before the pause: what was learnt from the stream may now be missing news. */
  protected onLost(): void {}

  private async follow(): Promise<void> {
    let pause = this.follower.retryMs ?? 1_000;
    while (!this.stopped) {
      try {
        await this.followOnce();
      } catch (err) {
        this.onLost();
        if (this.stopped) return;
        this.follower.onError?.(err);
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 10_000);
      }
    }
  }
}
