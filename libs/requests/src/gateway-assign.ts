import { z } from 'zod';
import { Assignment, SubjectToken } from '@keelson/events';
import { defineRequest } from './kit.js';

/**
 * Puts an assignment into a device's desired state, replacing any assignment of the same artifact
 * name. Idempotent on `assignmentId`: assigning it again changes nothing and returns the same generation.
 */
export const assignDevice = defineRequest(
  'gateway',
  'assign',
  z.strictObject({ fleet: SubjectToken, deviceId: SubjectToken, assignment: Assignment }),
  z.strictObject({ generation: z.number().int().min(1), changed: z.boolean() }),
);

/** The most devices one `assign-many` names: a request stays a few tens of KiB. */
export const maxAssignBatch = 500;

const Generation = z.number().int().min(1);

/**
 * `assign` for many devices in one round trip: the same assignment (`template`, without its id) with
 * each device's own `assignmentId`. Every device is assigned on its own, as `assign` would (the
 * device's aggregate, idempotent on the id); the answer lists each device's outcome in request
 * order: its generation, or why the gateway refused it (an unknown or decommissioned device), so one
 * refusal does not fail the others. An infrastructure failure fails the whole request; asking
 * again is safe.
 */
export const assignDevices = defineRequest(
  'gateway',
  'assign-many',
  z.strictObject({
    fleet: SubjectToken,
    template: Assignment.omit({ assignmentId: true }),
    devices: z
      .array(z.strictObject({ deviceId: SubjectToken, assignmentId: SubjectToken }))
      .min(1)
      .max(maxAssignBatch),
  }),
  z.strictObject({
    results: z
      .array(
        z.union([
          z.strictObject({ deviceId: SubjectToken, generation: Generation, changed: z.boolean() }),
          z.strictObject({ deviceId: SubjectToken, refused: z.strictObject({ code: z.string().max(100), message: z.string().max(500) }) }),
        ]),
      )
      .max(maxAssignBatch),
  }),
);
