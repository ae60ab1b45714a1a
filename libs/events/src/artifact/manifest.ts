import { z } from 'zod';
import { Accelerator, Architecture } from '../kit/hardware.js';

/** One input tensor of a model; `-1` in `shape` marks a dynamic dimension. */
export const ModelInput = z.strictObject({
  name: z.string().min(1).max(128),
  dtype: z.string().regex(/^[a-z0-9_]{1,32}$/, 'must be a dtype such as float32'),
  shape: z.array(z.number().int().min(-1)).max(16),
});

/** The manifest of an ML model: how to run it, how good it was at evaluation, and where it fits. */
export const ModelManifest = z.strictObject({
  kind: z.literal('model'),
  framework: z.enum(['onnx', 'tensorrt', 'tflite']),
  inputs: z.array(ModelInput).min(1).max(64),
  metrics: z.record(z.string().min(1).max(64), z.number()),
  hardware: z.strictObject({
    accelerator: Accelerator.optional(),
    minMemoryMb: z.number().int().min(0).optional(),
    architectures: z.array(Architecture).max(16).optional(),
  }),
});

/** The manifest of a config file; its bytes are opaque to us, the format only helps the agent. */
export const ConfigManifest = z.strictObject({
  kind: z.literal('config'),
  format: z.enum(['json', 'yaml', 'toml', 'ini', 'text', 'binary']).optional(),
});

/**
 * The manifest of a container image, pinned to a digest at publish: a tag can move, the digest the
 * targets metadata signs cannot.
 */
export const ContainerManifest = z.strictObject({
  kind: z.literal('container'),
  repository: z.string().regex(/^[a-z0-9][a-z0-9._:/-]{0,254}$/, 'must be an OCI repository without tag'),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 lowercase hex>'),
  platform: z
    .string()
    .regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/, 'must be an OCI platform such as linux/arm64')
    .optional(),
});

/** The manifest an artifact carries into its TUF target's custom fields, one shape per artifact kind. */
export const ArtifactManifest = z.discriminatedUnion('kind', [ModelManifest, ConfigManifest, ContainerManifest]);
export type ArtifactManifest = z.infer<typeof ArtifactManifest>;
