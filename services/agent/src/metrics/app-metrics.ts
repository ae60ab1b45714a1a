import type { InstalledArtifact } from '@keelson/events/device-protocol';
import type { DeviceLink } from '../link/device-link.js';
import { MetricsReporter } from './metrics-reporter.js';
import type { MetricsArtifact } from './metrics-window.js';

/** How the agent reads its application's metrics (`keelson-agent run --metrics-url …`). */
export interface AppMetricsOptions {
  /** A loopback URL, checked by `metricsUrlOf`. */
  url: URL;
  /** One window per this many seconds (default 60). */
  windowSeconds?: number;
  /** A scrape per this many seconds within a window (default: the window's length, at most 15). */
  scrapeSeconds?: number;
  /** The artifact the application's metrics belong to, when the device runs several. */
  artifactName?: string;
}

/**
 * The artifact a window is tagged with: the one named, or the only one installed. With several
 * installed and none named there is no honest tag, so no window is sent.
 */
export function metricsArtifactOf(installed: readonly InstalledArtifact[], name?: string): MetricsArtifact | undefined {
  const candidates = name ? installed.filter((a) => a.name === name) : installed;
  const [only] = candidates;
  return candidates.length === 1 && only ? { name: only.name, version: only.version } : undefined;
}

interface AgentParts {
  deviceId: string;
  installed(): Promise<InstalledArtifact[]>;
  link: DeviceLink;
  log: (event: string, fields: Record<string, unknown>) => void;
}

/** The agent's metrics reporter, wired to what it has installed and to its MQTT link. */
export function appMetricsReporter(options: AppMetricsOptions, agent: AgentParts): MetricsReporter {
  const windowSeconds = options.windowSeconds ?? 60;
  return new MetricsReporter({
    deviceId: agent.deviceId,
    url: options.url,
    windowSeconds,
    scrapeSeconds: options.scrapeSeconds ?? Math.min(windowSeconds, 15),
    artifact: async () => metricsArtifactOf(await agent.installed(), options.artifactName),
    send: (message) => {
      if (!agent.link.metrics(message)) agent.log('metrics-not-sent', { reason: 'offline', windowEnd: message.data.windowEnd });
    },
    log: agent.log,
  });
}
