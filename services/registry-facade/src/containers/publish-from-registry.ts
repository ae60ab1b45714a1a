import { RuleViolation } from '@keelson/domain-kit';
import type { ParsedRequestInput, registry } from '@keelson/requests';
import { eventMetadataOf, type RequestContext } from '@keelson/service-kit';
import { artifactIdOf, targetPathOf } from '../artifacts/artifact-id.js';
import { viewOfHistory } from '../artifacts/artifact-history.js';
import type { Artifacts } from '../artifacts/artifacts.js';
import type { BlobStore } from '../blobs/blob-store.js';
import type { RegistryConnections } from '../registry-connections/registry-connections.js';
import { copyImage } from './copy-image.js';
import { resolveImage } from './resolve-image.js';

type PublishInput = ParsedRequestInput<typeof registry.publishFromRegistry>;

/** The file name of a container's target: its bytes are the image manifest, so its sha256 is the image digest. */
export const containerTargetBasename = 'manifest.json';

/** `NAME/REPO:TAG` or `NAME/REPO@sha256:…` split into connection, repository and reference. */
export function parseImageRef(image: string): { connection: string; repository: string; reference: string } {
  const slash = image.indexOf('/');
  const rest = image.slice(slash + 1);
  const at = rest.indexOf('@');
  const colon = rest.lastIndexOf(':');
  const [repository, reference] = at >= 0 ? [rest.slice(0, at), rest.slice(at + 1)] : [rest.slice(0, colon), rest.slice(colon + 1)];
  return { connection: image.slice(0, slash), repository, reference };
}

/**
 * Publishes a container from a connected registry: the tag is resolved to one image manifest's
 * digest, the image is copied into the blob store (so a tag moved or deleted upstream changes
 * nothing), and `ArtifactReceived` records a `container` artifact whose target bytes are that
 * manifest and whose manifest names the repository, digest and platform (never the connection's
 * credentials). The signer signs it like any upload. Any failure before the append records nothing.
 */
export class RegistryImagePublisher {
  constructor(
    private readonly connections: RegistryConnections,
    private readonly blobs: BlobStore,
    private readonly artifacts: Artifacts,
    private readonly maxBytes: number,
  ) {}

  async publish(input: PublishInput, ctx: RequestContext): Promise<registry.ArtifactView> {
    const { fleet, name, version } = input;
    const { connection, repository, reference } = parseImageRef(input.image);
    const artifactId = artifactIdOf(name, version);
    // Refused before the registry is reached: a duplicate costs no download.
    if (await this.artifacts.exists(fleet, artifactId))
      throw new RuleViolation('artifact.exists', `artifact '${name}@${version}' already exists in this fleet`);
    const upstream = await this.connections.upstreamByName({ fleet, name: connection });
    const resolved = await resolveImage(upstream, repository, reference, input.platform);
    const platform = await copyImage(upstream, this.blobs, resolved, input.platform, this.maxBytes);
    const manifest = {
      kind: 'container',
      repository: `${connection}/${repository}`,
      digest: resolved.digest,
      ...(platform ? { platform } : {}),
    } as const;
    const outcome = await this.artifacts.execute(
      fleet,
      artifactId,
      {
        type: 'ReceiveArtifact',
        fleet,
        artifactId,
        name,
        version,
        kind: 'container',
        manifest,
        contentType: resolved.mediaType,
        targetPath: targetPathOf('container', name, version, containerTargetBasename),
        sha256: resolved.digest.slice('sha256:'.length),
        length: resolved.manifest.length,
      },
      eventMetadataOf(ctx),
    );
    const view = viewOfHistory(await this.artifacts.historyAfter(fleet, artifactId, outcome));
    if (!view) throw new Error('the artifact stream is empty right after the append');
    return view;
  }
}
