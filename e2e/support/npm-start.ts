import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock, portOffsets } from '@keelson/local-infra';
import { eventually } from './operator.js';
import { repoRoot } from './test-platform.js';

/** `npm start` running in a process group of its own, as a terminal's job or a supervisor's child. */
export interface RunningStart {
  readonly process: ChildProcess;
  /** Its home: data, logs and pid files; every process it started has this path in its command line. */
  readonly home: string;
  /** Everything it printed so far, stdout and stderr. */
  printed(): string;
  /** Its exit code once it has exited. */
  exited(): Promise<number | null>;
  /** The pids of processes still running with its home in their command line. */
  leftovers(): string;
  /** SIGKILLs the group if it still runs and removes its home. */
  dispose(): Promise<void>;
}

/** Starts `deploy/local/start.mjs` with `simDevices` simulated devices and waits until it has printed its tour. */
export async function startNpmStart(simDevices: number): Promise<RunningStart> {
  const home = mkdtempSync(join(tmpdir(), 'keelson-start-'));
  chmodSync(home, 0o755); // PostgreSQL runs as its own user when we are root, and must reach its data dir
  // npm start derives every port from the API's; all of them free and below the ephemeral range,
  // where no other test's outgoing connection can take one between this pick and the bind.
  const apiPort = await freePortBlock(Object.keys(portOffsets).length);
  const child = spawn(process.execPath, [join(repoRoot, 'deploy', 'local', 'start.mjs')], {
    cwd: repoRoot,
    env: { ...process.env, KEELSON_HOME: home, KEELSON_API_PORT: String(apiPort), KEELSON_SIM_DEVICES: String(simDevices) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group
  });
  let printed = '';
  child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const exited = () =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
    );
  const running: RunningStart = {
    process: child,
    home,
    printed: () => printed,
    exited,
    leftovers: () => spawnSync('pgrep', ['-f', home], { encoding: 'utf8' }).stdout.trim(),
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGKILL');
        await exited();
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
  try {
    await eventually(
      'npm start to print its tour',
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${printed}`);
        return printed.includes('Ctrl-C stops everything') ? true : undefined;
      },
      240_000,
    );
  } catch (err) {
    await running.dispose();
    throw err;
  }
  return running;
}
