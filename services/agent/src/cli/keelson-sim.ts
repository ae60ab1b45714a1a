import { parseArgs } from 'node:util';
import { startSimulatedFleet } from '../sim/simulated-fleet.js';
import { AppMetricsSpecError, parseAppMetricsSpec } from '../sim/app-metrics-spec.js';
import { siteProfileOf } from '../sim/site-profiles.js';
import { atMost, jsonLog, untilSignal } from './json-log.js';
import { operatorTokenMinter } from './operator-token-minter.js';

const usage = `usage:
  keelson-sim --api URL --admin-token T [--fleet default] --devices N --data-dir D [--fail name,name] [--allow-exec PATH]... [--heartbeat-seconds N]
              [--site-profiles]   (devices enroll as Jetson Orin Nano boxes on lines north/south, see site-profiles.ts)
              [--app-metrics SPEC [--metrics-interval-s 60] [--metrics-scrape-s 15]]
                  (each device's application serves metrics on loopback, drawn per installed version, e.g.
                   'confidence_mean=normal(0.8,0.05)@2.1.0,normal(0.85,0.05)@2.2.0;latency_ms=lognormal(3.5,0.4)@*')
  (the admin token may come from KEELSON_TOKEN or KEELSON_ADMIN_TOKEN instead of --admin-token)`;

class UsageError extends Error {}

async function simulate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      api: { type: 'string' },
      'admin-token': { type: 'string' },
      fleet: { type: 'string', default: 'default' },
      devices: { type: 'string' },
      'data-dir': { type: 'string' },
      fail: { type: 'string', default: '' },
      'allow-exec': { type: 'string', multiple: true },
      'heartbeat-seconds': { type: 'string' },
      'name-prefix': { type: 'string', default: 'sim-' },
      'site-profiles': { type: 'boolean', default: false },
      'app-metrics': { type: 'string' },
      'metrics-interval-s': { type: 'string' },
      'metrics-scrape-s': { type: 'string' },
    },
  });
  const api = values.api;
  // From the environment rather than the command line, where `ps` would show it.
  const adminToken = values['admin-token'] ?? process.env.KEELSON_TOKEN ?? process.env.KEELSON_ADMIN_TOKEN;
  const count = Number(values.devices);
  if (!api || !adminToken || !values['data-dir']) throw new UsageError('--api, --admin-token and --data-dir are required');
  if (!Number.isInteger(count) || count < 0 || count > 100_000)
    throw new UsageError('--devices must be a whole number between 0 and 100000');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(values.fleet)) throw new UsageError('--fleet must be a fleet id');
  const heartbeat = values['heartbeat-seconds'] === undefined ? undefined : Number(values['heartbeat-seconds']);
  if (heartbeat !== undefined && (!Number.isInteger(heartbeat) || heartbeat < 1))
    throw new UsageError('--heartbeat-seconds must be a positive whole number');
  const appMetrics = appMetricsOf(values['app-metrics'], values['metrics-interval-s'], values['metrics-scrape-s']);
  const failing = new Set(
    values.fail
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  // Listen before saying we are ready: a supervisor may signal the moment it reads that line.
  const stopping = untilSignal();
  const started = Date.now();
  const fleet = await startSimulatedFleet({
    count,
    dataDir: values['data-dir'],
    namePrefix: values['name-prefix'],
    failing,
    mintToken: operatorTokenMinter(api, adminToken, values.fleet),
    ...(values['allow-exec'] ? { allowExec: values['allow-exec'] } : {}),
    ...(heartbeat ? { heartbeatSeconds: heartbeat } : {}),
    ...(values['site-profiles'] ? { profileOf: siteProfileOf } : {}),
    ...(appMetrics ? { appMetrics } : {}),
    log: (event, fields) => {
      if (event === 'report' || event.endsWith('-error') || event.endsWith('-failed') || event.endsWith('-dropped')) jsonLog(event, fields);
    },
  });
  jsonLog('fleet-ready', { devices: fleet.devices.length, failing: [...failing], ms: Date.now() - started });
  const signal = await stopping;
  jsonLog('fleet-stopping', { signal });
  await atMost(fleet.stop(), 5_000);
  return 0;
}

/** `--app-metrics` and its window flags, checked; undefined without `--app-metrics`. */
function appMetricsOf(spec: string | undefined, window: string | undefined, scrape: string | undefined) {
  const seconds = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 3600)
      throw new UsageError(`${flag} must be a whole number of seconds between 1 and 3600`);
    return Number(value);
  };
  const [windowSeconds, scrapeSeconds] = [seconds(window, '--metrics-interval-s'), seconds(scrape, '--metrics-scrape-s')];
  if (spec === undefined) {
    if (windowSeconds !== undefined || scrapeSeconds !== undefined)
      throw new UsageError('--metrics-interval-s and --metrics-scrape-s need --app-metrics');
    return undefined;
  }
  try {
    return { metrics: parseAppMetricsSpec(spec), ...(windowSeconds ? { windowSeconds } : {}), ...(scrapeSeconds ? { scrapeSeconds } : {}) };
  } catch (err) {
    throw err instanceof AppMetricsSpecError ? new UsageError(err.message) : err;
  }
}

/** `keelson-sim …`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  try {
    return await simulate(argv);
  } catch (err) {
    const e = err as Error & { code?: string };
    const isUsage = err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`keelson-sim: ${e.message}\n${isUsage ? `${usage}\n` : ''}`);
    return isUsage ? 2 : 1;
  }
}
