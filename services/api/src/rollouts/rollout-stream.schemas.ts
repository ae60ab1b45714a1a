import { z } from 'zod';
import { DeviceReportedProgress, IsoTime, SubjectToken } from '@keelson/events';

/**
 * What `GET /v1/rollouts/{id}/events` sends, one schema per SSE `event:` name. `rollout` and
 * `device` carry the stored event untouched, with its stream sequence and JetStream time.
 */
export const RolloutStreamEvents = {
  snapshot: z.unknown().describe('the RolloutView when the stream opened'),
  rollout: z.strictObject({
    seq: z.number().int().min(1),
    time: IsoTime,
    event: z.object({ type: z.string(), schemaVersion: z.number().int(), data: z.record(z.string(), z.unknown()) }).describe('an event of the rollout aggregate'),
  }),
  device: z.strictObject({ seq: z.number().int().min(1), time: IsoTime, event: DeviceReportedProgress }),
  end: z.strictObject({ rolloutId: SubjectToken, status: z.enum(['succeeded', 'failed', 'aborted']) }),
} as const;

export type RolloutStreamEventName = keyof typeof RolloutStreamEvents;
