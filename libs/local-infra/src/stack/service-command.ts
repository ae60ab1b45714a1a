import { spawnSync } from 'node:child_process';

/** How a service process is started: node on the host, or the service's container (deploy/container). */
export interface ServiceCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Kills the service at once (no shutdown hooks run), wherever it runs. */
  kill(child: { kill(signal: NodeJS.Signals): boolean }): void;
}

export interface ContainerOptions {
  /** The image built from deploy/container/Containerfile, e.g. `localhost/keelson:dev`. */
  image: string;
  /** The platform's home, mounted at the same path: the service's data, logs' neighbours, TLS files. */
  home: string;
}

/** `node <nodeArgs> <entry>` on the host, with exactly `env`. */
export function hostCommand(entry: string, nodeArgs: string[], env: NodeJS.ProcessEnv): ServiceCommand {
  return { command: process.execPath, args: [...nodeArgs, entry], env, kill: (child) => child.kill('SIGKILL') };
}

let containers = 0;

/** The unprivileged user deploy/container/Containerfile runs as. */
export const imageUser = '10001:10001';

/**
 * `podman run` of the service's image on the host's network, as a cluster runs it: its own
 * unprivileged user, read-only root filesystem, a private /tmp, and the platform's home as the only
 * writable mount, handed to that user first (what the service reads and writes there, its data and
 * the TLS key, is its own; the harness, as root, still reaches it). The variables reach the container
 * by name (`-e KEY`, values from podman's environment), never on a command line. SIGTERM to podman is
 * passed to the service; a kill goes through `podman kill`, since killing podman leaves its container.
 */
export function containerCommand(service: string, container: ContainerOptions, env: NodeJS.ProcessEnv): ServiceCommand {
  const name = `keelson-${service}-${process.pid}-${++containers}`;
  const chown = spawnSync('chown', ['-R', imageUser, container.home], { encoding: 'utf8' });
  if (chown.status !== 0) throw new Error(`cannot hand ${container.home} to the image's user ${imageUser}: ${chown.stderr.trim()}`);
  const passed = Object.keys(env).filter((key) => key !== 'PATH' && key !== 'HOME' && env[key] !== undefined);
  return {
    command: 'podman',
    args: [
      'run',
      '--rm',
      '--name',
      name,
      '--network=host',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '-v',
      `${container.home}:${container.home}`,
      ...passed.flatMap((key) => ['-e', key]),
      container.image,
      service,
    ],
    env: { ...process.env, ...env },
    kill: () => void spawnSync('podman', ['kill', '--signal', 'KILL', name], { stdio: 'ignore' }),
  };
}
