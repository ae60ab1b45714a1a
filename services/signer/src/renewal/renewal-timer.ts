import type { EventMetadata } from '@keelson/event-store';
import type { TufRepositories } from '../repository/tuf-repositories.js';
import type { TufRepository } from '../repository/tuf-repository.evolve.js';

export interface RenewalTimerOptions {
  repositories: TufRepositories;
  /** The fleets to look at on each round. */
  fleets: () => Promise<string[]>;
  intervalMs: number;
  /** A fresh command context per fleet and round. */
  meta: () => EventMetadata;
  onRenewed?: (fleet: string, what: string[]) => void;
  /** Told after each fleet's round with the repository as it stands (e.g. to warn of a production root nearing expiry). */
  onChecked?: (fleet: string, state: TufRepository) => void;
  onError?: (err: unknown, fleet?: string) => void;
  /** Fleets renewed at the same time; the rest wait for a free slot. */
  parallelism?: number;
}

/**
 * Every `intervalMs`, re-signs each fleet's metadata that is past half its lifetime (timestamp, and
 * snapshot, targets or root when they near expiry). Replicas may all do it: the first append wins,
 * the others reload, find nothing to renew, and append nothing.
 */
export class RenewalTimer {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: RenewalTimerOptions) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round over every fleet; a failing fleet is reported and does not hold up the others. */
  async renewAll(): Promise<void> {
    const { repositories, meta, onRenewed, onError, parallelism = 8 } = this.options;
    const queue = [...(await this.options.fleets())];
    const worker = async () => {
      for (let fleet = queue.shift(); fleet !== undefined && !this.stopped; fleet = queue.shift()) {
        try {
          const { events, state } = await repositories.renew(fleet, meta());
          this.options.onChecked?.(fleet, state);
          if (events.length)
            onRenewed?.(
              fleet,
              events.map((e) => `${e.type} v${'version' in e.data ? e.data.version : '?'}`),
            );
        } catch (err) {
          onError?.(err, fleet);
        }
      }
    };
    await Promise.all(Array.from({ length: parallelism }, worker));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.renewAll()
        .catch((err) => this.options.onError?.(err))
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
  }
}
