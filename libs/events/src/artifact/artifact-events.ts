import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { ArtifactKind, ArtifactName, ByteLength, Reason, SemverLike, Sha256Hex, SubjectToken, TargetPath } from '../kit/tokens.js';
import { ArtifactManifest } from './manifest.js';

const artifact = { fleet: SubjectToken, artifactId: SubjectToken };

/** The bytes of an artifact are stored and its manifest is valid; it is not yet signed, so not yet usable. */
export const ArtifactReceived = defineMessage('ArtifactReceived', 1, {
  ...artifact,
  name: ArtifactName,
  version: SemverLike,
  kind: ArtifactKind,
  // `<kind>/<name>/<version>/<file>`: the TUF target the signer will sign it as.
  targetPath: TargetPath,
  sha256: Sha256Hex,
  length: ByteLength,
  contentType: z.string().min(1).max(255).optional(),
  manifest: ArtifactManifest,
}).refine((e) => e.data.manifest.kind === e.data.kind, {
  path: ['data', 'manifest', 'kind'],
  message: 'must equal the artifact kind',
});
export type ArtifactReceived = z.infer<typeof ArtifactReceived>;

/** The artifact's target is signed into the fleet's targets metadata: rollouts may now reference it. */
export const ArtifactPublished = defineMessage('ArtifactPublished', 1, {
  ...artifact,
  name: ArtifactName,
  version: SemverLike,
  targetPath: TargetPath,
  sha256: Sha256Hex,
  length: ByteLength,
  targetsVersion: z.number().int().min(1),
});
export type ArtifactPublished = z.infer<typeof ArtifactPublished>;

/** The artifact was refused (bad manifest, digest mismatch, signing refused) and will never be published. */
export const ArtifactRejected = defineMessage('ArtifactRejected', 1, { ...artifact, reason: Reason });
export type ArtifactRejected = z.infer<typeof ArtifactRejected>;

/** Any event of the artifact aggregate (`ev.artifact.<fleet>.<artifactId>`), latest versions only. */
export type ArtifactEvent = ArtifactReceived | ArtifactPublished | ArtifactRejected;

/** Reads every version of every artifact event. */
export const artifactEvents = new MessageRegistry<ArtifactEvent>([
  readersOf(ArtifactReceived),
  readersOf(ArtifactPublished),
  readersOf(ArtifactRejected),
]);

/** Parses an artifact event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseArtifactEvent(raw: unknown): ArtifactEvent {
  return artifactEvents.parse(raw);
}
