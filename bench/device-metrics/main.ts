// bench/device-metrics: what one metric window costs. At the gateway: reading and checking a window
// (JSON.parse, the zod contract, assertSummary per metric) by number of metrics, next to a same-run
// baseline, the check of a device report; its size on the wire. On the agent: reading one scrape and
// summarising it. Run: node bench/dist/device-metrics/main.js [--calls N] (default 2,000)
import { DeviceMetrics, parseDeviceMessage } from '@keelson/events';
import { assertSummary, seededRandom, summarize } from '@keelson/experiment-stats';
import { parsePrometheusText, scrapeSummaries } from '@keelson/agent';

const callsArg = process.argv.indexOf('--calls');
const calls = callsArg > 0 ? Number(process.argv[callsArg + 1]) : 2_000;
if (!Number.isSafeInteger(calls) || calls < 100) throw new Error('--calls must be an integer of at least 100');

const random = seededRandom(1);
let sink = 0;

/** Microseconds per call of `run`, after a warm-up of a tenth as many calls. */
function usPerCall(run: () => unknown): number {
  for (let i = 0; i < calls / 10; i++) sink += run() ? 1 : 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += run() ? 1 : 0;
  return Number(process.hrtime.bigint() - start) / calls / 1000;
}

/** A window of `n` metrics, each of 60 values: half like a confidence (narrow), half like a latency in ms (lognormal, wide). */
function window(n: number): string {
  const metrics = Array.from({ length: n }, (_, i) => {
    const values = Array.from({ length: 60 }, () => (i % 2 === 0 ? 0.8 + 0.05 * random.normal() : Math.exp(3.5 + 0.6 * random.normal())));
    return { name: `metric_${i}`, ...summarize(values) };
  });
  const message: DeviceMetrics = {
    type: 'DeviceMetrics',
    schemaVersion: 1,
    data: {
      deviceId: 'sim-1',
      artifact: { name: 'yolo', version: '2.1.0' },
      windowStart: '2026-12-07T10:00:00.000Z',
      windowEnd: '2026-12-07T10:01:00.000Z',
      metrics,
    },
  };
  return JSON.stringify(message);
}

function gatewayCheck(payload: string): number {
  const message = parseDeviceMessage(JSON.parse(payload));
  if (message.type !== 'DeviceMetrics') throw new Error('not a window');
  for (const { name, ...summary } of message.data.metrics) assertSummary(summary, [name]);
  return message.data.metrics.length;
}

const report = JSON.stringify({
  type: 'DeviceReport',
  schemaVersion: 2,
  data: {
    deviceId: 'sim-1',
    assignmentId: 'r-0123456789ab-sim-1',
    rolloutId: 'r-0123456789ab',
    state: 'healthy',
    sentAt: '2026-12-07T10:00:00.000Z',
  },
});
const scrape = [
  ...Array.from({ length: 16 }, (_, i) => [
    `# TYPE gauge_${i} gauge`,
    ...['a', 'b', 'c', 'd'].map((cam) => `gauge_${i}{camera="${cam}"} ${0.8 + 0.05 * random.normal()}`),
  ]).flat(),
  '# TYPE inference_seconds histogram',
  ...[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map((le, i) => `inference_seconds_bucket{le="${le}"} ${i * 40}`),
  'inference_seconds_bucket{le="+Inf"} 440',
  'inference_seconds_sum 120.5',
  'inference_seconds_count 440',
].join('\n');
const previous = new Map<string, number>();
scrapeSummaries(parsePrometheusText(scrape.replace(/} (\d+)$/gm, '} 0').replace(/_sum [\d.]+/, '_sum 0')), new Map(), previous);

const rows: [string, number, string][] = [
  [
    'baseline: check of a device report (JSON.parse, fast path)',
    usPerCall(() => parseDeviceMessage(JSON.parse(report))),
    `${report.length} B`,
  ],
];
for (const n of [1, 8, 32]) {
  const payload = window(n);
  rows.push([`gateway: check of a window of ${n} metric(s)`, usPerCall(() => gatewayCheck(payload)), `${Buffer.byteLength(payload)} B`]);
  if (n === 32)
    rows.push([
      '  the same, the zod schema instead of the fast path',
      usPerCall(() => DeviceMetrics.parse(JSON.parse(payload)).data.metrics.length),
      '',
    ]);
}
rows.push([
  `agent: read and summarise one scrape (16 gauges x 4 series, a 12-bucket histogram)`,
  usPerCall(() => scrapeSummaries(parsePrometheusText(scrape), previous, new Map()).size),
  `${scrape.length} B scraped`,
]);

console.log(`device-metrics: ${calls} calls each (checksum ${sink})`);
for (const [name, us, size] of rows) console.log(`  ${us.toFixed(1).padStart(8)} µs/call  ${size.padStart(18)}  ${name}`);
