import { z } from 'zod';
import { ArtifactName, SubjectToken } from '@keelson/events';
import { defineRequest } from './kit.js';

/**
 * What `list-devices` narrows and orders by, all optional and combined with AND: a piece of the
 * name or id, status, one label (`key=value`), an installed artifact (`name` or `name@version`),
 * reachability. `sort` is `newest` (enrollment, the default) or `name`; a cursor belongs to its sort.
 */
export const DeviceListFilters = {
  search: z.string().min(1).max(200).optional(),
  status: z.enum(['active', 'decommissioned']).optional(),
  label: z
    .string()
    .max(400)
    .regex(/^[^=\s][^=]*=.*$/, 'a label filter is key=value')
    .optional(),
  installed: z
    .string()
    .max(300)
    .regex(/^[^@\s]+(@[^@\s]+)?$/, 'an installed filter is name or name@version')
    .optional(),
  reachable: z.boolean().optional(),
  sort: z.enum(['newest', 'name']).default('newest'),
};

/** How many active devices run each installed artifact version, across the whole fleet. */
export const VersionCount = z.strictObject({ name: ArtifactName, version: z.string().max(200), devices: z.number().int().min(0) });
export type VersionCount = z.infer<typeof VersionCount>;

/** The fleet-wide version distribution: per artifact version, and how many active devices run nothing at all. */
export const countInstalledVersions = defineRequest(
  'gateway',
  'count-installed-versions',
  z.strictObject({ fleet: SubjectToken }),
  z.strictObject({
    activeDevices: z.number().int().min(0),
    withoutArtifacts: z.number().int().min(0),
    versions: z.array(VersionCount).max(10_000),
  }),
);
