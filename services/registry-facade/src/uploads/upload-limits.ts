import type { ServiceConfig } from '@keelson/service-kit';

/** 4 GiB: room for large models, and a bound on what one upload can cost the disk. */
export const defaultMaxArtifactBytes = 4 * 1024 ** 3;

/** `KEELSON_MAX_ARTIFACT_BYTES` (default 4 GiB): the largest artifact an upload may carry. */
export function maxArtifactBytesOf(config: ServiceConfig): number {
  const raw = config.env.KEELSON_MAX_ARTIFACT_BYTES;
  if (raw === undefined || raw === '') return defaultMaxArtifactBytes;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new Error('registry-facade: KEELSON_MAX_ARTIFACT_BYTES must be a positive whole number of bytes');
  }
  return value;
}
