/**
 * What the agent needs from a container engine, whichever it is (podman first; containerd or
 * docker may follow). The swap (container-swap.ts) is written against this port only, so a second
 * engine is one more adapter and no change to how versions are verified, probed or rolled back.
 */

/** The image a TUF target pins: its manifest digest and the config digest that manifest names. */
export interface PinnedImage {
  /** `sha256:<hex>`: the TUF target's sha256, which is the image manifest's digest. */
  digest: string;
  /** `sha256:<hex>`: the manifest's `config.digest`; engines identify an image by it. */
  configDigest: string;
}

/** Where the device pulls from: the facade's OCI distribution API, with the device's certificate. */
export interface PullSource {
  /** `host:port` of the facade. */
  registry: string;
  /** Directory with `client.cert`, `client.key` and the CA (`*.crt`) the facade chains to. */
  certDir?: string;
  /** Only for tests against a plain-HTTP registry on loopback. */
  insecure?: boolean;
}

/** One version of one artifact as a container, identified by labels the agent set when creating it. */
export interface ContainerVersion {
  artifact: string;
  version: string;
  /** The manifest digest the version was installed from (label; trusted only after a re-check). */
  digest: string;
}

/** A container the engine knows, with what the engine says it runs. */
export interface ContainerState extends ContainerVersion {
  name: string;
  /** The engine's image id (the config digest's hex). */
  imageId: string;
  running: boolean;
}

/** How a version's container is run; the image is given by id so a re-tag cannot change it. */
export interface RunRequest extends ContainerVersion {
  name: string;
  imageId: string;
  /** Extra `run` options chosen by the agent's configuration (never by a rollout), e.g. `--network=host`. */
  runOptions: readonly string[];
}

/** An image in local storage: the engine's id (the config digest's hex) and every name it is stored under. */
export interface LocalImage {
  id: string;
  names: readonly string[];
}

export interface ContainerRuntime {
  /**
   * Fetches the pinned image into local storage from `repository` (the artifact's name: the facade
   * serves an image only under the name it was published as); returns the engine's image id. Verifies nothing.
   */
  pull(source: PullSource, repository: string, image: PinnedImage): Promise<string>;
  /** The digest the engine recorded for the image it stores under `imageId`, null if none. */
  imageDigest(imageId: string): Promise<string | null>;
  create(request: RunRequest): Promise<void>;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  inspect(name: string): Promise<ContainerState | null>;
  /** Every image in local storage. */
  images(): Promise<LocalImage[]>;
  /** Removes an image unless a container uses it or it has several names; false when the engine refused. */
  removeImage(id: string): Promise<boolean>;
}

/** Labels every container the agent creates carries. */
export const LABELS = { artifact: 'io.keelson.artifact', version: 'io.keelson.version', digest: 'io.keelson.digest' } as const;
