import { z } from 'zod';

/**
 * `NAME/REPO:TAG` (or `NAME/REPO@sha256:…`): a registry connection's name, a repository in that
 * registry, and the tag or digest to pin. The connection name is the first path segment.
 */
export const RegistryImageRef = z
  .string()
  .max(400)
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/,
    'must be NAME/REPO:TAG or NAME/REPO@sha256:<hex>, NAME being a registry connection',
  );

/** An OCI platform `os/arch[/variant]`, e.g. `linux/arm64` or `linux/arm/v7`. */
export const ImagePlatform = z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/, 'must be an OCI platform such as linux/arm64');
