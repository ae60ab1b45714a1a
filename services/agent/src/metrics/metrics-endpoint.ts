import { isIP } from 'node:net';

/** A `--metrics-url` the agent refuses, with why. */
export class MetricsUrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const loopbackNames: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Reads `--metrics-url`: plain http on a loopback address only. The application's metrics are read
 * on the device itself; an agent that scraped any host could be pointed at the network behind it.
 */
export function metricsUrlOf(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MetricsUrlRefused(`--metrics-url must be a URL such as http://127.0.0.1:9100/metrics, got ${text}`);
  }
  if (url.protocol !== 'http:') throw new MetricsUrlRefused(`--metrics-url must use http:// on the device itself, got ${url.protocol}`);
  const host = url.hostname;
  const loopback = loopbackNames.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback) throw new MetricsUrlRefused(`--metrics-url must name a loopback host (127.0.0.1, [::1] or localhost), got ${host}`);
  if (url.username || url.password) throw new MetricsUrlRefused('--metrics-url must not carry credentials');
  return url;
}

/** At most this much of a scrape is read: a runaway exposition is refused, not buffered. */
const maxScrapeBytes = 1024 * 1024;

/** One scrape of the endpoint's text, within 5 s and 1 MiB; a redirect (to anywhere) is refused. */
export async function fetchScrape(url: URL, signal?: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(5_000);
  const res = await fetch(url, {
    redirect: 'error',
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    headers: { accept: 'text/plain' },
  });
  if (!res.ok) throw new Error(`metrics endpoint answered ${res.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > maxScrapeBytes) throw new Error(`metrics endpoint sent more than ${maxScrapeBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
