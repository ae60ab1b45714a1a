import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { metricsOptionsOf } from './metrics-flags.js';
import { parseOnChange } from '../probes/on-change-hook.js';
import type { DeviceContainerOptions } from '../runtime/device-containers.js';
import { atMost, jsonLog, untilSignal } from './json-log.js';

const usage = `usage:
  keelson-agent enroll --gateway URL --token T --data-dir D [--name N] [--ca-file PEM | --ca-fingerprint sha256:HEX]
                       [--root-file ROOT.json]   (a TUF root baked into the image, trusted instead of the gateway's)
                       [--accelerator NAME] [--memory-mb N]   (hardware the agent cannot detect, or overrides)
  keelson-agent run --data-dir D [--allow-exec PATH]... [--heartbeat-seconds N] [--renew-key rotate|keep] [--on-change CMD]
                    [--metrics-url http://127.0.0.1:PORT/metrics [--metrics-interval-s 60] [--metrics-scrape-s 15] [--metrics-artifact NAME]]
                    (the application's Prometheus endpoint, loopback only: per-window summaries go to the platform)
                    [--podman [--podman-runtime runc|crun] [--podman-root D --podman-runroot D] [--podman-storage-driver vfs]
                             [--container-run-option OPT]...]   (run container artifacts)`;

class UsageError extends Error {}

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new UsageError(`${flag} must be a whole number of seconds between 1 and 3600`);
  return n;
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

async function enroll(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      gateway: { type: 'string' },
      token: { type: 'string' },
      'data-dir': { type: 'string' },
      name: { type: 'string' },
      'ca-file': { type: 'string' },
      'ca-fingerprint': { type: 'string' },
      'root-file': { type: 'string' },
      accelerator: { type: 'string' },
      'memory-mb': { type: 'string' },
    },
  });
  const memoryMb = values['memory-mb'] === undefined ? undefined : Number(values['memory-mb']);
  if (memoryMb !== undefined && (!Number.isInteger(memoryMb) || memoryMb < 1))
    throw new UsageError('--memory-mb must be a whole number of megabytes');
  const hardware = { ...(values.accelerator ? { accelerator: values.accelerator } : {}), ...(memoryMb ? { memoryMb } : {}) };
  // Each command loads only its own code: a running agent never holds enrollment's (bench/agent-footprint).
  const { enrollDevice } = await import('../enrollment/enroll.js');
  const identity = await enrollDevice({
    hardware,
    gatewayUrl: required(values.gateway, '--gateway'),
    token: required(values.token, '--token'),
    dataDir: required(values['data-dir'], '--data-dir'),
    ...(values.name ? { name: values.name } : {}),
    ...(values['ca-file'] ? { caFile: values['ca-file'] } : {}),
    ...(values['ca-fingerprint'] ? { caFingerprint: values['ca-fingerprint'] } : {}),
    ...(values['root-file'] ? { rootFile: values['root-file'] } : {}),
  });
  jsonLog('enrolled', { deviceId: identity.deviceId, fleet: identity.fleet, name: identity.name, dataDir: values['data-dir'] });
  return 0;
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      'allow-exec': { type: 'string', multiple: true },
      'heartbeat-seconds': { type: 'string' },
      'renew-key': { type: 'string' },
      'metrics-url': { type: 'string' },
      'metrics-interval-s': { type: 'string' },
      'metrics-scrape-s': { type: 'string' },
      'metrics-artifact': { type: 'string' },
      'on-change': { type: 'string' },
      podman: { type: 'boolean' },
      'podman-runtime': { type: 'string' },
      'podman-root': { type: 'string' },
      'podman-runroot': { type: 'string' },
      'podman-storage-driver': { type: 'string' },
      'container-run-option': { type: 'string', multiple: true },
    },
  });
  const allowExec = values['allow-exec'] ?? [];
  const renewKey = values['renew-key'] ?? 'rotate';
  if (renewKey !== 'rotate' && renewKey !== 'keep') throw new UsageError(`--renew-key must be rotate or keep, got ${renewKey}`);
  for (const path of allowExec) if (!isAbsolute(path)) throw new UsageError(`--allow-exec needs an absolute path, got ${path}`);
  const metrics = metricsOptionsOf(values, (message) => new UsageError(message));
  let onChange: readonly string[] | undefined;
  try {
    onChange = values['on-change'] === undefined ? undefined : parseOnChange(values['on-change']);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const containers = values.podman ? await podmanOptions(values) : undefined;
  // Listen before saying we are ready: a supervisor may signal the moment it reads that line.
  const stopping = untilSignal();
  const { startAgent } = await import('../agent.js');
  const agent = await startAgent({
    dataDir: required(values['data-dir'], '--data-dir'),
    allowExec,
    heartbeatSeconds: positiveInt(values['heartbeat-seconds'], '--heartbeat-seconds', 300),
    renewKey,
    log: jsonLog,
    ...(metrics ? { metrics } : {}),
    ...(onChange ? { onChange } : {}),
    ...(containers ? { containers } : {}),
  });
  jsonLog('agent-started', { deviceId: agent.deviceId, dataDir: agent.dataDir, allowExec });
  const signal = await stopping;
  jsonLog('agent-stopping', { signal });
  await atMost(agent.stop(), 5_000);
  return 0;
}

/**
 * `--podman-*` flags: podman's OCI runtime and storage (a private root and `vfs` keep tests off the
 * machine's storage); and, for crash tests only, the swap step `KEELSON_FAILPOINT` names.
 */
async function podmanOptions(values: Record<string, string | boolean | string[] | undefined>): Promise<DeviceContainerOptions> {
  const { swapFailpointOf } = await import('../runtime/swap-failpoint.js');
  let failpoint;
  try {
    failpoint = swapFailpointOf(process.env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const [runtime, root, runroot, storageDriver] = [
    flag('podman-runtime'),
    flag('podman-root'),
    flag('podman-runroot'),
    flag('podman-storage-driver'),
  ];
  return {
    runOptions: (values['container-run-option'] as string[] | undefined) ?? [],
    ...(runtime ? { runtime } : {}),
    ...(root ? { root } : {}),
    ...(runroot ? { runroot } : {}),
    ...(storageDriver ? { storageDriver } : {}),
    ...(failpoint ? { failpoint } : {}),
  };
}

/** `keelson-agent <enroll|run> …`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  try {
    if (command === 'enroll') return await enroll(args);
    if (command === 'run') return await run(args);
    throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  } catch (err) {
    const e = err as Error & { code?: string };
    const isUsage = err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`keelson-agent: ${e.message}\n${isUsage ? `${usage}\n` : ''}`);
    return isUsage ? 2 : 1;
  }
}
