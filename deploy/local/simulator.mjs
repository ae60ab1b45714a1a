// The simulated fleet of the local stack: `keelson-sim` as a child process (real agents, one MQTT
// connection and data dir each, each with a simulated application reporting metrics), enrolled
// through the operator API like any device.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tourAppMetrics, tourMetricsWindow } from './experiment-tour.mjs';

async function listDevices(apiUrl, adminToken) {
  const res = await fetch(`${apiUrl}/v1/devices?limit=1000`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) throw new Error(`GET /v1/devices answered ${res.status}`);
  return (await res.json()).items;
}

/** Starts the simulator and resolves once `devices` devices are enrolled and reachable. */
export async function startSimulator({ repoRoot, home, apiUrl, adminToken, devices, signal, timeoutMs = 120_000 }) {
  mkdirSync(join(home, 'logs'), { recursive: true });
  const log = createWriteStream(join(home, 'logs', 'sim.log'), { flags: 'a' });
  const bin = join(repoRoot, 'services', 'agent', 'bin', 'keelson-sim.mjs');
  // Each device's application reports metrics whose effect depends on the version it runs, for the experiments of the tour.
  const metrics = [
    '--app-metrics',
    tourAppMetrics,
    '--metrics-interval-s',
    String(tourMetricsWindow.intervalSeconds),
    '--metrics-scrape-s',
    String(tourMetricsWindow.scrapeSeconds),
  ];
  // The admin token travels in the environment, not on the command line (visible in `ps`).
  const child = spawn(
    process.execPath,
    [
      bin,
      '--api',
      apiUrl,
      '--fleet',
      'default',
      '--devices',
      String(devices),
      '--data-dir',
      join(home, 'sim'),
      '--site-profiles',
      ...metrics,
    ],
    {
      env: { ...process.env, KEELSON_TOKEN: adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  let names = [];
  try {
    for (;;) {
      if (signal?.aborted) throw new Error('start aborted');
      if (child.exitCode !== null) throw new Error(`keelson-sim exited with code ${child.exitCode}; see ${join(home, 'logs', 'sim.log')}`);
      const live = (await listDevices(apiUrl, adminToken)).filter((d) => d.status === 'active' && d.reachable);
      names = live.map((d) => d.name).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      if (names.length >= devices) break;
      if (Date.now() > deadline)
        throw new Error(`only ${names.length} of ${devices} simulated devices came online; see ${join(home, 'logs', 'sim.log')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (err) {
    await stop(); // never leave the fleet running behind a failed or aborted start
    throw err;
  }
  return { deviceNames: names, stop };
}
