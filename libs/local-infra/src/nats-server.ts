import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNatsConfig, type NatsConfigInput } from './nats-config.js';
import { stopStaleProcess, writePidFile } from './pid-file.js';

/** A running nats-server and how to reach it. */
export interface RunningNats {
  url: string;
  mqttUrl: string;
  monitorUrl: string;
  /** Go's profiling endpoint, when started with `profPort`. */
  profUrl?: string;
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL, for crash tests: no shutdown, no flush. */
  kill(): Promise<void>;
}

export interface StartNatsOptions extends Omit<NatsConfigInput, 'storeDir'> {
  /** Path of the nats-server binary (see deploy/local/provision.mjs). */
  binary: string;
  /** Holds the config, the JetStream store, the pid file and the log. Reused across starts. */
  dir: string;
  readyTimeoutMs?: number;
  /** Environment of the server on top of this process's (e.g. `GOMEMLIMIT`). */
  env?: NodeJS.ProcessEnv;
}

async function waitHealthy(monitorUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode} during start-up`);
    try {
      const res = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server not healthy after ${timeoutMs} ms`);
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** Starts nats-server with a generated config under `dir`, killing a stale one from a crashed run first. */
export async function startNatsServer(options: StartNatsOptions): Promise<RunningNats> {
  const { binary, dir, readyTimeoutMs = 20_000, env, ...config } = options;
  const storeDir = join(dir, 'jetstream');
  mkdirSync(storeDir, { recursive: true });
  const pidFile = join(dir, 'nats-server.pid');
  await stopStaleProcess(pidFile, 'nats-server');
  const configFile = join(dir, 'nats-server.conf');
  writeFileSync(configFile, renderNatsConfig({ ...config, storeDir }), { mode: 0o600 });
  chmodSync(configFile, 0o600); // it holds passwords
  const log = createWriteStream(join(dir, 'nats-server.log'), { flags: 'a' });
  const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (!child.pid) throw new Error(`could not start ${binary}`);
  writePidFile(pidFile, child.pid);
  const monitorUrl = `http://127.0.0.1:${config.monitorPort}`;
  try {
    await waitHealthy(monitorUrl, child, readyTimeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const exited = waitExit(child);
  return {
    url: `nats://${config.host}:${config.port}`,
    mqttUrl: `${config.mqttTls ? 'mqtts' : 'mqtt'}://${config.host}:${config.mqttPort}`,
    monitorUrl,
    ...(config.profPort ? { profUrl: `http://${config.host}:${config.profPort}` } : {}),
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM'); // lame-duck free shutdown: JetStream flushes and closes its files
      await exited;
      log.end();
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
      log.end();
    },
  };
}
