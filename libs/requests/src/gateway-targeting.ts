import { z } from 'zod';
import { DeviceHardware, DisplayName, Labels, SubjectToken } from '@keelson/events';
import { defineRequest } from './kit.js';

// The gateway's queries behind rollout targeting: which active devices a rollout can name.

/** What rollout targeting needs to know of a device: its name, labels and hardware profile. */
export const DeviceProfile = z.strictObject({ deviceId: SubjectToken, name: DisplayName, labels: Labels, hardware: DeviceHardware });
export type DeviceProfile = z.infer<typeof DeviceProfile>;

/** How many page cursors one `find-devices` or `match-devices` reply lists at most (a million devices at 1,000 a page). */
export const maxPageCursors = 1000;

const Paging = {
  limit: z.number().int().min(1).max(1000).default(500),
  cursor: z.string().max(200).optional(),
  pageCursors: z.boolean().optional(),
};
const PageCursors = z
  .array(z.string().regex(/^[1-9][0-9]{0,15}$/))
  .max(maxPageCursors)
  .optional();

/**
 * Targeting profiles of the fleet's ACTIVE devices, oldest enrollment first, a page at a time:
 * every one, or those whose name or id is in `names`, or those of `deviceIds`. A name that matches
 * nothing is simply absent; the caller reports it (it knows which names it asked for).
 * With `pageCursors: true` a reply that has a `nextCursor` also lists where each following page
 * starts (at most `maxPageCursors`, in order), so a caller can fetch them at once. They are the
 * pages as the devices stood a moment ago: a page may now reach into the next one (repeats to drop)
 * or stop short of it (go on from its `nextCursor`), and the last one's leads to any beyond.
 */
export const findDevices = defineRequest(
  'gateway',
  'find-devices',
  z.strictObject({
    fleet: SubjectToken,
    names: z.array(DisplayName).min(1).max(10_000).optional(),
    deviceIds: z.array(SubjectToken).min(1).max(10_000).optional(),
    ...Paging,
  }),
  z.strictObject({ items: z.array(DeviceProfile), nextCursor: z.string().optional(), pageCursors: PageCursors }),
);

/** The hardware fields a selector can name, and how they compare. */
export const selectorHardwareFields = { accelerator: 'text', memoryMb: 'number', architecture: 'text' } as const;
export type SelectorHardwareField = keyof typeof selectorHardwareFields;
export const isSelectorHardwareField = (k: string): k is SelectorHardwareField => Object.hasOwn(selectorHardwareFields, k);
/** What `>= <= > <` compare: decimal numbers, as a selector writes them and labels may hold them. */
export const selectorNumber = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * One clause of a capability selector, parsed: a label or hardware field compared with a value.
 * `=` and `!=` compare text; an attribute a device does not report equals nothing and differs from
 * everything. `>= <= > <` compare numbers: a device whose attribute is not a number does not match.
 */
export const SelectorClause = z
  .strictObject({
    source: z.enum(['label', 'hardware']),
    key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,80}$/, 'must be a label key or hardware field'),
    op: z.enum(['=', '!=', '>=', '<=', '>', '<']),
    value: z.string().min(1).max(500),
  })
  .superRefine((c, ctx) => {
    const ordered = c.op !== '=' && c.op !== '!=';
    if (ordered && !selectorNumber.test(c.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: `'${c.op}' compares numbers` });
    if (c.source !== 'hardware') return;
    if (!isSelectorHardwareField(c.key)) ctx.addIssue({ code: 'custom', path: ['key'], message: `unknown hardware field '${c.key}'` });
    else if (selectorHardwareFields[c.key] === 'number' && !selectorNumber.test(c.value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `${c.key} is a number` });
    else if (selectorHardwareFields[c.key] === 'text' && ordered)
      ctx.addIssue({ code: 'custom', path: ['op'], message: `${c.key} is text` });
  });
export type SelectorClause = z.infer<typeof SelectorClause>;

/**
 * The lean page rollout targeting pages through: the ids and hardware of the fleet's ACTIVE devices
 * (or of those of `deviceIds`) that match every clause of `where`, matched in the gateway; oldest
 * enrollment first. A page is a window: of the next `limit` devices after the cursor, the ones that
 * match. So it may list fewer than `limit`, or none, and still have a `nextCursor`; `pageCursors`
 * are where the following windows start, as in `find-devices`. Each device's hardware is
 * `hardware[hardwareOf[i]]`: a fleet has few distinct hardware profiles, so a page of 1,000
 * devices carries a handful instead of 1,000 copies.
 */
export const matchDevices = defineRequest(
  'gateway',
  'match-devices',
  z.strictObject({
    fleet: SubjectToken,
    where: z.array(SelectorClause).min(1).max(250).optional(),
    deviceIds: z.array(SubjectToken).min(1).max(10_000).optional(),
    ...Paging,
  }),
  z
    .strictObject({
      deviceIds: z.array(SubjectToken),
      hardware: z.array(DeviceHardware),
      hardwareOf: z.array(z.number().int().min(0)),
      nextCursor: z.string().optional(),
      pageCursors: PageCursors,
    })
    .refine(
      (p) => p.hardwareOf.length === p.deviceIds.length && p.hardwareOf.every((h) => h < p.hardware.length),
      'one hardware profile per device',
    ),
);
