import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { serviceNodeArgs } from './memory-settings.js';
import { containerCommand, hostCommand, type ContainerOptions } from './service-command.js';

/** A service process started by the local stack or a test, and how to reach and stop it. */
export interface RunningService {
  name: string;
  url: string;
  pid: number;
  /** SIGTERM, then waits for a clean exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, for crash tests: no shutdown hooks run. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface LaunchServiceOptions {
  name: string;
  /** The compiled entry point, e.g. `services/signer/dist/main.js`. */
  entry: string;
  env: NodeJS.ProcessEnv;
  /** The service's stdout and stderr go here (JSON lines). */
  logFile: string;
  readyTimeoutMs?: number;
  /** Arguments of `node` before the entry point; `serviceNodeArgs()` (source maps, the young generation's size) by default. */
  nodeArgs?: string[];
  /** Runs the service's container instead of `node <entry>` (the image chooses its own Node arguments). */
  container?: ContainerOptions;
}

function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

/**
 * Starts `node <entry>` and resolves once the service prints its `{"event":"listening"}` line
 * (libs/service-kit's runService). Rejects with the tail of its log if it exits during start-up; one that
 * stays silent for `readyTimeoutMs` is SIGKILLed and the promise rejects once it is gone. The default is
 * generous (2 min): a service starts in 1–3 s on a quiet machine, but on a loaded one (several platforms
 * starting at once on two cores) the signer was seen to need over 30 s; a hung start still fails.
 */
export async function launchService(options: LaunchServiceOptions): Promise<RunningService> {
  const { name, entry, env, logFile, readyTimeoutMs = 120_000, nodeArgs = serviceNodeArgs() } = options;
  const how = options.container ? containerCommand(name, options.container, env) : hostCommand(entry, nodeArgs, env);
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(how.command, how.args, { env: how.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = waitExit(child);
  const tail: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let timedOut = false;
    // A service that stays silent is killed, not left running behind the caller's back.
    const timer = setTimeout(() => {
      timedOut = true;
      how.kill(child);
    }, readyTimeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${name} did not start within ${readyTimeoutMs} ms (killed); see ${logFile}`));
      else reject(new Error(`${name} exited with code ${code} during start-up:\n${tail.join('\n')}`));
    });
    const keep = (line: string): void => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    };
    createInterface({ input: child.stderr }).on('line', keep);
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      try {
        const parsed = JSON.parse(line) as { event?: string; url?: string };
        if (parsed.event === 'listening' && parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      } catch {
        // not JSON: an ordinary log line
      }
    });
  });
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => how.kill(child), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    how.kill(child);
    await exited;
  };
  return { name, url, pid: child.pid!, stop, kill, exited };
}
