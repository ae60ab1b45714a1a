import { z } from 'zod';
import { registry } from '@keelson/requests';
import { ArtifactKind, ArtifactName, ContainerArtifactName, SemverLike } from '@keelson/events';
import { fleetParam, pageParams } from '../http/request.schemas.js';

export const ArtifactListQuery = z.object({ ...fleetParam, name: ArtifactName.optional(), ...pageParams });
export const ArtifactParams = z.object({ name: ArtifactName, version: SemverLike });

/**
 * The multipart form of `POST /v1/artifacts`, as the facade reads it: the text fields first (so the
 * manifest is checked before a byte is stored), then the file. Documentation only: the api streams
 * the body through without reading it.
 */
export const ArtifactUploadForm = z.strictObject({
  name: ArtifactName,
  version: SemverLike,
  kind: ArtifactKind,
  manifest: z.string().optional().describe('the ArtifactManifest as JSON text; optional for a config (`{"kind":"config"}`)'),
  file: z.string().describe('the artifact bytes; the filename becomes the target basename'),
});

/**
 * `POST /v1/artifacts/from-registry`: pin `image` (`NAME/REPO:TAG`, NAME a registry connection) to
 * its digest, copy the image in and publish it as the container artifact `name@version`.
 */
export const PublishFromRegistryRequest = z.strictObject({
  image: registry.RegistryImageRef,
  name: ContainerArtifactName,
  version: SemverLike,
  platform: registry.ImagePlatform.optional(),
});

export const ArtifactView = registry.ArtifactView;
export const ArtifactList = registry.listArtifacts.output;
