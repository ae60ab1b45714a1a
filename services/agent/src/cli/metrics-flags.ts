import type { AppMetricsOptions } from '../metrics/app-metrics.js';
import { metricsUrlOf, MetricsUrlRefused } from '../metrics/metrics-endpoint.js';

interface MetricsFlags {
  'metrics-url'?: string | undefined;
  'metrics-interval-s'?: string | undefined;
  'metrics-scrape-s'?: string | undefined;
  'metrics-artifact'?: string | undefined;
}

function seconds(value: string | undefined, flag: string, min: number, usage: (m: string) => Error): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > 3600)
    throw usage(`${flag} must be a whole number of seconds between ${min} and 3600, got ${value}`);
  return n;
}

/**
 * The `--metrics-*` flags of `keelson-agent run`, checked: undefined without `--metrics-url`, and
 * any other metrics flag without it is a mistake worth saying. `usage` makes the CLI's usage error.
 */
export function metricsOptionsOf(flags: MetricsFlags, usage: (message: string) => Error): AppMetricsOptions | undefined {
  const { 'metrics-url': text, 'metrics-artifact': artifactName } = flags;
  const windowSeconds = seconds(flags['metrics-interval-s'], '--metrics-interval-s', 1, usage);
  const scrapeSeconds = seconds(flags['metrics-scrape-s'], '--metrics-scrape-s', 1, usage);
  if (text === undefined) {
    if (windowSeconds !== undefined || scrapeSeconds !== undefined || artifactName !== undefined)
      throw usage('the --metrics-* flags need --metrics-url');
    return undefined;
  }
  let url: URL;
  try {
    url = metricsUrlOf(text);
  } catch (err) {
    throw err instanceof MetricsUrlRefused ? usage(err.message) : err;
  }
  if (scrapeSeconds !== undefined && scrapeSeconds > (windowSeconds ?? 60))
    throw usage('--metrics-scrape-s must not be longer than --metrics-interval-s');
  return {
    url,
    ...(windowSeconds === undefined ? {} : { windowSeconds }),
    ...(scrapeSeconds === undefined ? {} : { scrapeSeconds }),
    ...(artifactName === undefined ? {} : { artifactName }),
  };
}
