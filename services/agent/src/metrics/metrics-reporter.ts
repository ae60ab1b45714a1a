import type { DeviceMetrics } from '@keelson/events/device-protocol';
import { fetchScrape } from './metrics-endpoint.js';
import { MetricsWindow, type MetricsArtifact } from './metrics-window.js';
import { parsePrometheusText } from './prometheus-text.js';
import { scrapeSummaries, type SeriesMemory } from './scrape-summaries.js';

export interface MetricsReporterOptions {
  deviceId: string;
  /** The application's Prometheus endpoint, on loopback (`metricsUrlOf`). */
  url: URL;
  /** Length of a window: one message per window. */
  windowSeconds: number;
  /** Time between scrapes within a window; each scrape adds one value per gauge series. */
  scrapeSeconds: number;
  /** What the application runs now; undefined when there is nothing (or no one thing) to tag with. */
  artifact(): Promise<MetricsArtifact | undefined>;
  send(message: DeviceMetrics): void;
  log: (event: string, fields: Record<string, unknown>) => void;
  now?: () => Date;
}

const sameArtifact = (a: MetricsArtifact, b: MetricsArtifact) => a.name === b.name && a.version === b.version;

/**
 * Scrapes the application's metrics on a timer and sends one summary per metric per window. A
 * window belongs to one artifact version: when the version changes the open window is sent under the
 * old one and a new window starts, so no window mixes two versions. A scrape that fails is logged and
 * skipped; its window goes on with the scrapes that worked.
 */
export class MetricsReporter {
  private timer: NodeJS.Timeout | undefined;
  private window: MetricsWindow | undefined;
  private memory: SeriesMemory = new Map();
  private lastScrape: Date | undefined;
  private busy = false;
  private untaggedLogged = false;
  private readonly now: () => Date;

  constructor(private readonly o: MetricsReporterOptions) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.o.scrapeSeconds * 1000);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One scrape: read, summarise, add to the window, send the window when its time is up. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const families = parsePrometheusText(await fetchScrape(this.o.url));
      const at = this.now();
      const next: SeriesMemory = new Map();
      const summaries = scrapeSummaries(families, this.memory, next);
      this.memory = next;
      const since = this.lastScrape ?? at;
      this.lastScrape = at;
      const artifact = await this.o.artifact();
      if (this.window && (!artifact || !sameArtifact(this.window.artifact, artifact))) this.flush(at);
      if (!artifact) return this.untagged();
      this.untaggedLogged = false;
      this.window ??= new MetricsWindow(artifact, since);
      this.window.add(summaries);
      if (at.getTime() - this.window.start.getTime() >= this.o.windowSeconds * 1000) this.flush(at);
    } catch (err) {
      this.o.log('metrics-scrape-failed', { error: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }

  private flush(at: Date): void {
    const window = this.window;
    this.window = undefined;
    const built = window?.message(this.o.deviceId, at);
    if (!built) return;
    if (built.left.length > 0) this.o.log('metrics-trimmed', { left: built.left });
    this.o.send(built.message);
  }

  private untagged(): void {
    if (!this.untaggedLogged)
      this.o.log('metrics-untagged', { reason: 'no single installed artifact to tag the window with (see --metrics-artifact)' });
    this.untaggedLogged = true;
  }
}
