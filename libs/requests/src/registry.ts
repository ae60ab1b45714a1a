import { z } from 'zod';
import {
  ArtifactKind,
  ArtifactManifest,
  ArtifactName,
  ArtifactRef,
  ContainerArtifactName,
  IsoTime,
  Reason,
  SemverLike,
  Sha256Hex,
  SubjectToken,
  TargetPath,
} from '@keelson/events';
import { defineRequest, Page } from './kit.js';
import { ImagePlatform, RegistryImageRef } from './registry-containers.js';

/** Where an artifact is on its way to devices: stored, signed into TUF (published), or refused. */
export const ArtifactStatus = z.enum(['received', 'published', 'rejected']);

/** An artifact as the registry's read model knows it. */
export const ArtifactView = z.strictObject({
  fleet: SubjectToken,
  artifactId: SubjectToken,
  name: ArtifactName,
  version: SemverLike,
  kind: ArtifactKind,
  status: ArtifactStatus,
  sha256: Sha256Hex,
  length: z.number().int().min(0),
  targetPath: TargetPath,
  manifest: ArtifactManifest,
  rejectedReason: Reason.optional(),
  receivedAt: IsoTime,
  publishedAt: IsoTime.optional(),
});
export type ArtifactView = z.infer<typeof ArtifactView>;

/** One artifact by name and version; NotFound (`artifact.not-found`) when there is none. */
export const getArtifact = defineRequest(
  'registry',
  'get-artifact',
  z.strictObject({ fleet: SubjectToken, name: ArtifactName, version: SemverLike }),
  ArtifactView,
);

/** A published artifact as a rollout binds it; RuleViolation (`artifact.not-published`) before signing. */
export const resolveArtifact = defineRequest(
  'registry',
  'resolve-artifact',
  z.strictObject({ fleet: SubjectToken, name: ArtifactName, version: SemverLike }),
  ArtifactRef,
);

/** The fleet's artifacts, newest first, optionally of one name. */
export const listArtifacts = defineRequest(
  'registry',
  'list-artifacts',
  z.strictObject({ fleet: SubjectToken, name: ArtifactName.optional(), ...Page }),
  z.strictObject({ items: z.array(ArtifactView), nextCursor: z.string().optional() }),
);

export * from './registry-connections.js';

/**
 * Resolves a tag of a connected registry to a digest, copies the image (manifest, config, layers,
 * each checked against its digest) into the facade's blob store and records a `container`
 * artifact pinned to that digest, which the signer then signs. RuleViolation `container.*` or
 * `registry.*`, NotFound `registry.not-found`: nothing is recorded.
 */
export const publishFromRegistry = defineRequest(
  'registry',
  'publish-from-registry',
  z.strictObject({
    fleet: SubjectToken,
    image: RegistryImageRef,
    // devices pull the image as <facade>/<name>@<digest>: the name is an OCI repository name
    name: ContainerArtifactName,
    version: SemverLike,
    platform: ImagePlatform.optional(),
  }),
  ArtifactView,
);

export * from './registry-containers.js';
