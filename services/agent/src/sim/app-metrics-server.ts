import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '@keelson/experiment-stats';
import { distributionFor, draw, type SimulatedMetric } from './app-metrics-spec.js';

/** A simulated device's application metrics endpoint, on loopback. */
export interface AppMetricsServer {
  url: URL;
  close(): Promise<void>;
}

/** A stable seed per device name: the same fleet draws the same values on every run. */
function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * Serves `metrics` as Prometheus gauges on 127.0.0.1 (a free port): each scrape draws a fresh value of
 * each metric from the distribution of the version the device runs now (`versions()`); a metric with
 * no distribution for it is left out, as an application that does not measure it would.
 */
export async function startAppMetricsServer(
  name: string,
  metrics: readonly SimulatedMetric[],
  versions: () => Promise<string[]>,
): Promise<AppMetricsServer> {
  const random = seededRandom(seedOf(name));
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    versions().then(
      (running) => {
        const lines: string[] = [];
        for (const metric of metrics) {
          const d = distributionFor(metric, running);
          if (d) lines.push(`# TYPE ${metric.name} gauge`, `${metric.name} ${draw(d, random)}`);
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/metrics`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
