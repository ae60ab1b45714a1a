import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, type TestPlatform } from './test-platform.js';

const agentBin = join(repoRoot, 'services', 'agent', 'bin', 'keelson-agent.mjs');

/** A real `keelson-agent run` process: the device as it runs in the field. */
export interface AgentProcess {
  stop(): Promise<void>;
  /** SIGKILL: no shutdown of any kind, as when a device loses power. */
  kill(): Promise<void>;
  /** Resolves when the process is gone: its exit code, or the signal that ended it. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', resolve),
  );
}

function run(args: string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [agentBin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  return { child, output: () => output };
}

/** Mints a token through the API and runs `keelson-agent enroll`, pinning the platform CA as the token's answer says; returns the device id. */
export async function enrollAgent(platform: TestPlatform, dataDir: string, name: string): Promise<string> {
  const { status, body } = await platform.api<{ token: string; gatewayUrl: string; caFingerprint?: string }>('/v1/enrollment-tokens', {
    body: {},
  });
  if (status !== 201 && status !== 200) throw new Error(`token answered ${status}`);
  const pin = body.caFingerprint ? ['--ca-fingerprint', body.caFingerprint] : [];
  const { child, output } = run([
    'enroll',
    '--gateway',
    body.gatewayUrl,
    ...pin,
    '--token',
    body.token,
    '--data-dir',
    dataDir,
    '--name',
    name,
  ]);
  const code = await exitOf(child);
  if (code !== 0) throw new Error(`keelson-agent enroll exited ${code}:\n${output()}`);
  const enrolled = output()
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.includes('"enrolled"'));
  const deviceId = enrolled ? (JSON.parse(enrolled) as { deviceId?: string }).deviceId : undefined;
  if (!deviceId) throw new Error(`keelson-agent enroll printed no device id:\n${output()}`);
  return deviceId;
}

/** `extraArgs` and `env` (added to the test's environment) as a device's service unit would set them. */
export async function startAgentProcess(
  dataDir: string,
  extraArgs: readonly string[] = [],
  env?: NodeJS.ProcessEnv,
): Promise<AgentProcess> {
  const { child, output } = run(['run', '--data-dir', dataDir, ...extraArgs], env);
  const exited = exitOf(child);
  return {
    output,
    ended: exited.then(() => ({ code: child.exitCode, signal: child.signalCode })),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
