import type { DeviceEvent } from '@keelson/events';
import type { EventFeed } from './event-feed.js';
import type { Presence, RevertTally } from './revert-tally.js';

export interface RevertWaitDeps {
  tally: RevertTally;
  devices: EventFeed<DeviceEvent>;
  /** The latest sequence the device feed delivered: what a gateway answer is as fresh as. */
  deviceSeq: () => number;
  /** Asks the gateway about devices the stream has heard nothing from since the rollout began. */
  presenceOf: (deviceIds: string[]) => Promise<Record<string, Presence>>;
  /** The counts changed (a gateway answer came): the stream sends a summary. */
  onChange: () => void;
  onError: (err: unknown) => void;
  recheckMs?: number;
}

/**
 * Resolves once every revert of a rollout aborted with `revert` has an outcome or waits for an
 * offline device. It decides only when the device feed has caught up (a replay may still hold a
 * newer report), so a client connecting long after the abort gets the same answer as one that
 * watched. Checks after each event (`poke`) and on a timer: nothing may arrive at all. Checks run
 * one after another, each on everything the stream has taken in when it starts.
 */
export class RevertWait {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private decided = false;
  private latest: Promise<void> = Promise.resolve();
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RevertWaitDeps) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  /** True once the reverts are decided: nothing the stream takes in after that changes its `end`. */
  get isDone(): boolean {
    return this.decided;
  }

  /**
   * Checks after any check under way; settles (never rejects) once it has. The stream awaits it
   * before it forwards the next device event, so what it forwarded before `end` is what decided it.
   */
  poke(): Promise<void> {
    if (!this.deps.tally.isReverting || this.decided) return Promise.resolve();
    // The timer only fills a silence: with a check queued, one more would learn nothing new.
    this.timer ??= setInterval(() => {
      if (this.queued === 0) void this.poke();
    }, this.deps.recheckMs ?? 1_000);
    this.queued++;
    this.latest = this.latest
      .then(() => this.check())
      .catch(this.deps.onError)
      .finally(() => this.queued--);
    return this.latest;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    const { tally, devices } = this.deps;
    if (this.decided) return;
    const caughtUp = devices.lastPending === 0 || (await devices.isEmptyOnServer());
    if (!caughtUp) return;
    const unknown = tally.unknownReachability();
    if (unknown.length) {
      const asOf = this.deps.deviceSeq(); // events delivered while the gateway answers are newer: they win
      tally.notePresence(await this.deps.presenceOf(unknown), asOf);
      this.deps.onChange();
    }
    if (tally.isDone()) {
      this.decided = true;
      this.stop();
      this.resolve();
    }
  }
}
