import { z } from 'zod';
import { DeviceReportedProgress, IsoTime, LiveDeviceProgress, SubjectToken } from '@keelson/events';

const count = z.number().int().min(0);

/** After an abort with `revert`: the devices given a revert assignment, by where their revert stands. */
const RevertCounts = z.strictObject({
  devices: count,
  reverted: count.describe('healthy again on their previous version'),
  failed: count.describe('the revert failed (or rolled back)'),
  inFlight: count,
  offline: count.describe('unreachable: each reverts when it returns'),
  decommissioned: count.describe('retired before reverting: never will'),
});

/**
 * What `GET /v1/rollouts/{id}/events` sends, one schema per SSE `event:` name. `rollout` and
 * `device` carry the stored event untouched, with its stream sequence and JetStream time; `progress`
 * a live step, with the time the api passed it on.
 */
export const RolloutStreamEvents = {
  snapshot: z.unknown().describe('the RolloutView when the stream opened'),
  devices: z.strictObject({ names: z.record(SubjectToken, z.string()).describe('device id to name, for the devices still enrolled') }),
  rollout: z.strictObject({
    seq: z.number().int().min(1),
    time: IsoTime,
    event: z
      .object({ type: z.string(), schemaVersion: z.number().int(), data: z.record(z.string(), z.unknown()) })
      .describe('an event of the rollout aggregate'),
  }),
  device: z.strictObject({ seq: z.number().int().min(1), time: IsoTime, event: DeviceReportedProgress }),
  progress: z
    .strictObject({ time: IsoTime, event: LiveDeviceProgress })
    .describe(
      'a step a device of the rollout entered (downloading, verifying, applying), live only: never replayed; the outcome in `device` carries every step time',
    ),
  summary: z
    .strictObject({
      waves: z.array(
        z.strictObject({
          wave: z.number().int().min(0),
          devices: z.number().int().min(0),
          pending: z.number().int().min(0),
          inFlight: z.number().int().min(0),
          healthy: z.number().int().min(0),
          failed: z.number().int().min(0).describe('rolled back, failed or timed out'),
          excluded: z.number().int().min(0),
        }),
      ),
      devicesDown: z.number().int().min(0).describe('devices of the rollout running no healthy version'),
      unreachable: z
        .number()
        .int()
        .min(0)
        .describe(
          "devices whose update is in flight (assigned, not excluded, no outcome) and that the gateway says are silent: the view's per-wave `unreachable`, summed",
        ),
      reverts: RevertCounts.optional().describe('after an abort with `revert` only'),
    })
    .describe('the tally after an event changed it, and once more before `end`'),
  end: z
    .strictObject({
      rolloutId: SubjectToken,
      status: z.enum(['succeeded', 'failed', 'aborted']),
      reverts: RevertCounts.extend({
        inFlight: z.literal(0),
        offlineDeviceIds: z.array(SubjectToken).max(100).describe('the first 100 offline devices whose revert is pending'),
      })
        .optional()
        .describe('after an abort with `revert`: sent once no revert is in flight'),
    })
    .describe('the rollout finished, was aborted with `keep`, or its reverts are done but for offline devices'),
} as const;

export type RolloutStreamEventName = keyof typeof RolloutStreamEvents;
