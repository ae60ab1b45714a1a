import { request } from 'node:https';

/** The body of a GET, trusting `ca` for an https:// URL (the device-facing services of a TLS platform). */
export async function getText(url: string, ca: string | undefined): Promise<string> {
  if (!url.startsWith('https:') || !ca) return (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 5000 }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (c: string) => (text += c))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`))).on('error', reject);
    req.end();
  });
}

/** Every `keelson_*` line of each service's `/metrics` (counters and histogram buckets), by service. */
export async function keelsonMetrics(
  services: Record<string, { url: string } | undefined>,
  ca?: string,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, service] of Object.entries(services)) {
    if (!service) continue;
    try {
      out[name] = (await getText(`${service.url}/metrics`, ca)).split('\n').filter((l) => l.startsWith('keelson_'));
    } catch {
      // a service without metrics at this moment: the report just lacks its figures
    }
  }
  return out;
}

/** The non-zero counters and gauges among `keelsonMetrics` (histograms are summarised apart), so the report can show what each stage did. */
export function keelsonCounters(metrics: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, all] of Object.entries(metrics)) {
    const lines = all.filter((l) => !/ 0$/.test(l) && !/^keelson_\w+_(bucket|sum|count)[{ ]/.test(l));
    if (lines.length > 0) out[name] = lines;
  }
  return out;
}
