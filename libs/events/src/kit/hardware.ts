import { z } from 'zod';

// One vocabulary on both sides, so a model's hardware profile can be matched against what devices report.

/** An accelerator name as agents report it, e.g. `jetson-orin-nano` or `hailo-8`. */
export const Accelerator = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be an accelerator name');

/** A CPU architecture in OCI spelling, e.g. `arm64`, `amd64`. */
export const Architecture = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be an architecture name');

/** What a device says about its hardware when it enrolls or connects; every field is optional. */
export const DeviceHardware = z.strictObject({
  accelerator: Accelerator.optional(),
  memoryMb: z.number().int().min(0).optional(),
  architecture: Architecture.optional(),
});
export type DeviceHardware = z.infer<typeof DeviceHardware>;
