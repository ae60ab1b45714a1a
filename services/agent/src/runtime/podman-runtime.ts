import {
  LABELS,
  type ContainerRuntime,
  type ContainerState,
  type LocalImage,
  type PinnedImage,
  type PullSource,
  type RunRequest,
} from './container-runtime.js';
import { PodmanCli, PodmanFailed, type PodmanOptions } from './podman-cli.js';

interface ImageInspect {
  Id: string;
  Digest?: string;
}
interface ImageListEntry {
  Id: string;
  Names?: string[] | null;
}
interface ContainerInspect {
  Name: string;
  Image: string;
  State: { Running: boolean };
  Config: { Labels?: Record<string, string> | null };
}

/** Seconds a container gets to stop on SIGTERM before podman kills it. */
const STOP_SECONDS = '5';

/** The podman adapter of the container runtime port: every call is one `podman` command, no shell. */
export class PodmanRuntime implements ContainerRuntime {
  private readonly cli: PodmanCli;

  constructor(options: PodmanOptions = {}) {
    this.cli = new PodmanCli(options);
  }

  async pull(source: PullSource, repository: string, image: PinnedImage): Promise<string> {
    const tls = source.insecure ? ['--tls-verify=false'] : [];
    const certs = source.certDir ? ['--cert-dir', source.certDir] : [];
    const out = await this.cli.run('pull', '--quiet', ...tls, ...certs, `${source.registry}/${repository}@${image.digest}`);
    return out.trim().split('\n').pop()!.trim();
  }

  async imageDigest(imageId: string): Promise<string | null> {
    const image = await this.cli.inspect<ImageInspect>('image', imageId);
    return image?.Id === imageId ? (image.Digest ?? null) : null;
  }

  async create(request: RunRequest): Promise<void> {
    const labels = [
      `${LABELS.artifact}=${request.artifact}`,
      `${LABELS.version}=${request.version}`,
      `${LABELS.digest}=${request.digest}`,
    ].flatMap((label) => ['--label', label]);
    await this.cli.run('create', '--name', request.name, ...labels, ...request.runOptions, request.imageId);
  }

  async start(name: string): Promise<void> {
    await this.cli.run('start', name);
  }

  async stop(name: string): Promise<void> {
    await this.cli.run('stop', '--ignore', '--time', STOP_SECONDS, name);
  }

  async remove(name: string): Promise<void> {
    await this.cli.run('rm', '--force', '--ignore', '--time', STOP_SECONDS, name);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.cli.run('rename', from, to);
  }

  async inspect(name: string): Promise<ContainerState | null> {
    const found = await this.cli.inspect<ContainerInspect>('container', name);
    if (!found) return null;
    const labels = found.Config.Labels ?? {};
    return {
      name: found.Name,
      imageId: found.Image,
      running: found.State.Running,
      artifact: labels[LABELS.artifact] ?? '',
      version: labels[LABELS.version] ?? '',
      digest: labels[LABELS.digest] ?? '',
    };
  }

  async images(): Promise<LocalImage[]> {
    const listed = JSON.parse(await this.cli.run('images', '--format', 'json')) as ImageListEntry[] | null;
    return (listed ?? []).map((image) => ({ id: image.Id, names: image.Names ?? [] }));
  }

  async removeImage(id: string): Promise<boolean> {
    try {
      // Never --force: podman then refuses an image a container uses or that carries several names.
      await this.cli.run('rmi', id);
      return true;
    } catch (err) {
      if (err instanceof PodmanFailed) return false;
      throw err;
    }
  }
}
