import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeviceMetrics } from '@keelson/events';
import { MetricsReporter } from './metrics-reporter.js';
import type { MetricsArtifact } from './metrics-window.js';

// A real loopback endpoint serving what the spec sets; the reporter's timer is not started, each
// `tick()` is one scrape at the clock the spec sets.
describe('the metrics reporter', () => {
  let server: Server;
  let url: URL;
  let exposition = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(exposition));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function reporter(artifact: () => MetricsArtifact | undefined) {
    const sent: DeviceMetrics[] = [];
    const logged: string[] = [];
    let clock = Date.parse('2026-12-07T10:00:00Z');
    const r = new MetricsReporter({
      deviceId: 'cam-1',
      url,
      windowSeconds: 3,
      scrapeSeconds: 1,
      artifact: async () => artifact(),
      send: (m) => sent.push(m),
      log: (event) => logged.push(event),
      now: () => new Date(clock),
    });
    /** One scrape of a gauge at `value`, or of `value` as the whole exposition. */
    const scrape = async (value: number | string) => {
      exposition = typeof value === 'string' ? value : `# TYPE confidence gauge\nconfidence ${value}\n`;
      await r.tick();
      clock += 1000;
    };
    return { sent, logged, scrape };
  }

  it('sends one summary per window once the window is over', async () => {
    const { sent, scrape } = reporter(() => ({ name: 'yolo', version: '2.1.0' }));
    for (const v of [0.5, 0.75, 1]) await scrape(v);
    expect(sent).toEqual([]);
    await scrape(0.25);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.data).toMatchObject({
      deviceId: 'cam-1',
      artifact: { name: 'yolo', version: '2.1.0' },
      windowStart: '2026-12-07T10:00:00.000Z',
      windowEnd: '2026-12-07T10:00:03.000Z',
    });
    expect(sent[0]!.data.metrics[0]).toMatchObject({ name: 'confidence', count: 4, sum: 2.5 });
  });

  it('never mixes two versions in a window: a change sends the open window under the old version', async () => {
    let version = '2.1.0';
    const { sent, scrape } = reporter(() => ({ name: 'yolo', version }));
    await scrape(0.5);
    await scrape(0.5);
    version = '2.2.0';
    await scrape(0.75);
    expect(sent.map((m) => [m.data.artifact.version, m.data.metrics[0]!.count, m.data.metrics[0]!.sum])).toEqual([['2.1.0', 2, 1]]);
    for (const v of [0.75, 0.75, 0.75]) await scrape(v);
    expect(sent.map((m) => [m.data.artifact.version, m.data.metrics[0]!.count])).toEqual([
      ['2.1.0', 2],
      ['2.2.0', 3],
    ]);
  });

  it('sends nothing without a version to tag with, and says so once', async () => {
    const { sent, logged, scrape } = reporter(() => undefined);
    for (const v of [1, 2, 3, 4, 5]) await scrape(v);
    expect(sent).toEqual([]);
    expect(logged).toEqual(['metrics-untagged']);
  });

  it('logs a scrape it cannot read and goes on with the scrapes that work', async () => {
    const { sent, logged, scrape } = reporter(() => ({ name: 'yolo', version: '2.1.0' }));
    await scrape(0.5);
    await scrape('this is not a metric line\n');
    await scrape(0.5);
    await scrape(0.5);
    expect(logged).toEqual(['metrics-scrape-failed']);
    expect(sent.map((m) => m.data.metrics[0]!.count)).toEqual([3]);
  });
});
