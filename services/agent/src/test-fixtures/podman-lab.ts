import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@keelson/local-infra';
import { PodmanCli, type PodmanOptions } from '../runtime/podman-cli.js';

const run = promisify(execFile);

/** An image the lab built and pushed: its manifest bytes (the TUF target's bytes) and digest. */
export interface LabImage {
  reference: string;
  digest: string;
  manifest: Buffer;
}

/**
 * Real podman (runc, vfs storage in private roots) and a real OCI registry (`docker-registry`) on
 * loopback, for the container runtime's specs. Images are `FROM scratch` plus a static busybox:
 * no base image has to be pulled. `device` is the storage a device's agent uses; the build has its own.
 */
export class PodmanLab {
  readonly dir: string;
  readonly device: PodmanOptions;
  private readonly builder: PodmanCli;
  private registry?: ChildProcess;
  registryAddress = '';

  constructor() {
    if (!existsSync('/bin/busybox')) throw new Error('the podman lab builds its images from /bin/busybox: apt-get install busybox-static');
    this.dir = mkdtempSync(join(tmpdir(), 'keelson-podman-')); // only once nothing can refuse the lab: no dir left behind
    const conf = join(this.dir, 'containers.conf');
    writeFileSync(conf, '[containers]\ndefault_ulimits = []\n'); // crun/RLIMIT trouble here: see TOOLCHAIN.md
    const storage = (name: string): PodmanOptions => ({
      root: join(this.dir, name, 'root'),
      runroot: join(this.dir, name, 'run'),
      storageDriver: 'vfs',
      runtime: 'runc',
      env: { CONTAINERS_CONF: conf },
    });
    this.device = storage('device');
    this.builder = new PodmanCli(storage('build'));
  }

  async startRegistry(): Promise<void> {
    this.registryAddress = `127.0.0.1:${await freePort()}`;
    const config = join(this.dir, 'registry.yml');
    writeFileSync(
      config,
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(this.dir, 'registry')}\nhttp:\n  addr: ${this.registryAddress}\n`,
    );
    this.registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`http://${this.registryAddress}/v2/`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('docker-registry did not start (apt-get install docker-registry)');
  }

  /** Builds an image whose command is `cmd` (busybox applets), pushes it, returns its pin material. */
  async image(name: string, tag: string, cmd: readonly string[]): Promise<LabImage> {
    const { local, ctx } = await this.build(name, tag, cmd);
    const digestFile = join(ctx, 'digest');
    const reference = `${this.registryAddress}/${name}:${tag}`;
    await this.builder.run('push', '-q', '--tls-verify=false', '--digestfile', digestFile, local, `docker://${reference}`);
    const digest = readFileSync(digestFile, 'utf8').trim();
    const manifest = await fetch(`http://${this.registryAddress}/v2/${name}/manifests/${digest}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    }).then(async (r) => Buffer.from(await r.arrayBuffer()));
    return { reference, digest, manifest };
  }

  /** Builds an image and saves it as an OCI archive tar (`keelson artifact push --kind container`). */
  async archive(name: string, tag: string, cmd: readonly string[]): Promise<{ tar: string; digest: string }> {
    const { local, ctx } = await this.build(name, tag, cmd);
    const tar = join(ctx, 'image.tar');
    await this.builder.run('save', '--format', 'oci-archive', '-o', tar, local);
    const { stdout } = await run('tar', ['-xOf', tar, 'index.json']);
    return { tar, digest: (JSON.parse(stdout) as { manifests: { digest: string }[] }).manifests[0]!.digest };
  }

  /**
   * `FROM scratch` plus a static busybox and `/www/health` (`NAME:TAG`), run as `busybox CMD…` under a
   * shell that exits on SIGTERM with the command's own status otherwise: a process that is PID 1 in its
   * container gets no default signal handling, so `busybox httpd` alone would sit out every stop's
   * grace period (5 s per swap) until podman kills it. Real applications stop on SIGTERM too.
   */
  private async build(name: string, tag: string, cmd: readonly string[]): Promise<{ local: string; ctx: string }> {
    const ctx = join(this.dir, 'ctx', `${name}-${tag}`);
    mkdirSync(join(ctx, 'rootfs', 'bin'), { recursive: true });
    mkdirSync(join(ctx, 'rootfs', 'www'), { recursive: true });
    writeFileSync(join(ctx, 'rootfs', 'www', 'health'), `${name}:${tag}\n`);
    await run('cp', ['/bin/busybox', join(ctx, 'rootfs', 'bin', 'busybox')]);
    await run('tar', ['-C', join(ctx, 'rootfs'), '-cf', join(ctx, 'rootfs.tar'), '.']);
    const stopsOnTerm = ['/bin/busybox', 'sh', '-c', `trap 'exit 143' TERM; /bin/busybox "$@" & wait $!`, 'sh', ...cmd];
    writeFileSync(join(ctx, 'Containerfile'), `FROM scratch\nADD rootfs.tar /\nCMD ${JSON.stringify(stopsOnTerm)}\n`);
    const local = `localhost/${name}:${tag}`;
    await this.builder.run('build', '-q', '-t', local, ctx);
    return { local, ctx };
  }

  /** podman against the device's storage, for a spec's own checks and tampering. */
  devicePodman(): PodmanCli {
    return new PodmanCli(this.device);
  }

  async stop(): Promise<void> {
    await this.devicePodman()
      .run('rm', '--all', '--force', '--time', '1')
      .catch(() => undefined);
    this.registry?.kill('SIGTERM');
    // vfs layers are plain directories: removed with the lab (podman's own `system reset` would ask).
    await run('rm', ['-rf', this.dir]).catch(() => undefined);
  }
}
