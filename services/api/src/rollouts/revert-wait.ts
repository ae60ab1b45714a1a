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
 * watched. Checks after each event (`poke`) and on a timer: nothing may arrive at all.
 */
export class RevertWait {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RevertWaitDeps) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  poke(): void {
    if (!this.deps.tally.isReverting) return;
    this.timer ??= setInterval(() => this.poke(), this.deps.recheckMs ?? 1_000);
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.check().catch(this.deps.onError);
      } while (this.again);
    })().finally(() => (this.running = undefined));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    const { tally, devices } = this.deps;
    const caughtUp = devices.lastPending === 0 || (await devices.isEmptyOnServer());
    if (!caughtUp) return;
    const unknown = tally.unknownReachability();
    if (unknown.length) {
      const asOf = this.deps.deviceSeq(); // events delivered while the gateway answers are newer: they win
      tally.notePresence(await this.deps.presenceOf(unknown), asOf);
      this.deps.onChange();
    }
    if (tally.isDone()) {
      this.stop();
      this.resolve();
    }
  }
}
