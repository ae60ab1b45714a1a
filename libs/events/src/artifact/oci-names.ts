import { z } from 'zod';
import { ArtifactName } from '../kit/tokens.js';

// The repository name grammar of the OCI distribution spec (v1.1, "Pulling manifests"): path
// components of lower-case letters and digits, joined inside a component by `.`, `_`, `__` or a run
// of dashes, components separated by `/`. No registry host, no tag, no digest.
const component = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';

/** A whole OCI repository name (`apps/web`), as the distribution API puts it in `/v2/<name>/...`. */
export const ociRepositoryPattern = new RegExp(`^${component}(?:/${component})*$`);

/**
 * The repository a container artifact records as its source (`apps/web`). The distribution spec
 * lets a registry refuse a name whose `<host>/<name>` passes 255 characters: kept below that.
 */
export const OciRepositoryName = z
  .string()
  .max(200, 'must be an OCI repository name of at most 200 characters')
  .regex(
    ociRepositoryPattern,
    'must be an OCI repository name such as apps/web: lower-case letters and digits joined by ., _, __ or -, path components separated by / (no registry host, tag or digest)',
  );

/**
 * The name of a container artifact. The facade serves its image under exactly that name
 * (`<facade>/<name>@<digest>`, see docs/containers.md), so the name is itself an OCI repository
 * name of one component: `web`, `line-inspector`, `web.v2`; not `web-`, `web..a` or `-web`.
 */
export const ContainerArtifactName = ArtifactName.regex(
  new RegExp(`^${component}$`),
  'must be a container name devices can pull: lower-case letters and digits joined by single ., _, __ or runs of -, starting and ending with a letter or digit',
);
