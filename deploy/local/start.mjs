#!/usr/bin/env node
// `npm start`: brings up Keelson's local platform on one machine with nothing else installed.
// Today that is the infrastructure and the event store: nats-server (JetStream + MQTT) and an
// embedded PostgreSQL, with every event stream declared. Services join as they are built.
//
// Environment: KEELSON_HOME (data, default ./.keelson), KEELSON_API_PORT (default 8080; the
// other ports are derived from it so two stacks can run side by side).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNatsServer } from './provision.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = resolve(process.env.KEELSON_HOME ?? join(repoRoot, '.keelson'));
const apiPort = Number(process.env.KEELSON_API_PORT ?? 8080);
if (!Number.isInteger(apiPort) || apiPort < 1024 || apiPort > 65000) throw new Error(`KEELSON_API_PORT must be 1024-65000, got ${process.env.KEELSON_API_PORT}`);
const ports = { nats: apiPort + 1, mqtt: apiPort + 2, natsMonitor: apiPort + 3, postgres: apiPort + 4 };

// Secrets are made once per KEELSON_HOME and reused, so a restart keeps its data reachable.
function loadSecrets() {
  const file = join(home, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secret = () => randomBytes(24).toString('base64url');
  const secrets = { natsServicesPassword: secret(), natsSystemPassword: secret(), postgresPassword: secret() };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

mkdirSync(home, { recursive: true, mode: 0o755 });
const binary = await ensureNatsServer();
console.log('keelson: building…');
execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-b', join(repoRoot, 'tsconfig.build.json')], { stdio: 'inherit' });

const { startNatsServer, startEmbeddedPostgres } = await import('../../libs/local-infra/dist/index.js');
const { applyStreams, eventStreams, productionNaming } = await import('../../libs/event-store/dist/index.js');
const { connect } = await import('@nats-io/transport-node');
const { jetstreamManager } = await import('@nats-io/jetstream');

const secrets = loadSecrets();
const nats = await startNatsServer({
  binary, dir: join(home, 'nats'), serverName: 'keelson-local', host: '127.0.0.1',
  port: ports.nats, mqttPort: ports.mqtt, monitorPort: ports.natsMonitor,
  users: [{ user: 'keelson-services', password: secrets.natsServicesPassword }],
  systemUser: { user: 'keelson-system', password: secrets.natsSystemPassword },
});
const pg = await startEmbeddedPostgres({ dir: join(home, 'postgres'), port: ports.postgres, password: secrets.postgresPassword });

const nc = await connect({ servers: nats.url, user: 'keelson-services', pass: secrets.natsServicesPassword, name: 'keelson-start' });
await applyStreams(await jetstreamManager(nc), productionNaming, Object.values(eventStreams));
const streams = Object.values(eventStreams).map((s) => s.name).join(', ');
await nc.close();

console.log(`
Keelson is up (data in ${home}).

  NATS         ${nats.url}   (JetStream; user keelson-services, password in ${join(home, 'secrets.json')})
  MQTT         ${nats.mqttUrl}   (devices connect here)
  NATS monitor ${nats.monitorUrl}/jsz?streams=true   (loopback only)
  PostgreSQL   postgres://keelson@127.0.0.1:${ports.postgres}/postgres   (password in secrets.json)
  Streams      ${streams}

Try next:
  curl -s '${nats.monitorUrl}/jsz?streams=true' | head -40     # the event streams, declared in code
  npm test                                                     # the whole suite, on its own servers

Ctrl-C stops everything; the next start reuses the data.
`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`keelson: ${signal}, stopping…`);
  await pg.stop().catch((err) => console.error('postgres stop failed:', err));
  await nats.stop().catch((err) => console.error('nats-server stop failed:', err));
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
setInterval(() => undefined, 1 << 30); // keep the process alive until a signal arrives
