import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where podman keeps images and containers, and which OCI runtime starts them. */
export interface PodmanOptions {
  /** The podman binary (default `podman` on PATH). */
  binary?: string;
  /** Private storage (`--root`/`--runroot`), e.g. for tests; default: the machine's storage. */
  root?: string;
  runroot?: string;
  /** `vfs` in tests: needs no kernel overlay support and touches nothing outside `root`. */
  storageDriver?: string;
  /** OCI runtime (`runc`, `crun`); default: podman's own choice. */
  runtime?: string;
  /** Environment for podman, e.g. `CONTAINERS_CONF` pointing at a containers.conf. */
  env?: NodeJS.ProcessEnv;
  /** Per-call deadline (default 120 s). */
  timeoutMs?: number;
}

export class PodmanFailed extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(`podman ${args[0] ?? ''} failed: ${stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400)}`);
    this.name = 'PodmanFailed';
  }
}

/** Runs podman with argv only (no shell) and the storage options in front of every command. */
export class PodmanCli {
  constructor(private readonly options: PodmanOptions = {}) {}

  async run(...args: string[]): Promise<string> {
    const { binary = 'podman', root, runroot, storageDriver, runtime, env, timeoutMs = 120_000 } = this.options;
    const globals = [
      ...(root ? ['--root', root] : []),
      ...(runroot ? ['--runroot', runroot] : []),
      ...(storageDriver ? ['--storage-driver', storageDriver] : []),
      ...(runtime ? ['--runtime', runtime] : []),
    ];
    try {
      const { stdout } = await run(binary, [...globals, ...args], {
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, ...env },
      });
      return stdout;
    } catch (err) {
      const { stderr, message } = err as { stderr?: string; message: string };
      throw new PodmanFailed(args, stderr || message);
    }
  }

  /** `podman <kind> inspect` as JSON, or null when the object does not exist. */
  async inspect<T>(kind: 'image' | 'container', name: string): Promise<T | null> {
    try {
      const [first] = JSON.parse(await this.run(kind, 'inspect', '--format', 'json', name)) as T[];
      return first ?? null;
    } catch (err) {
      if (err instanceof PodmanFailed && /no such|not found|unknown/i.test(err.stderr)) return null;
      throw err;
    }
  }
}
