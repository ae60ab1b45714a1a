import { z } from 'zod';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { ArtifactRef, Assignment, maxAssignments } from '../rollout/assignment.js';
import { ExecProbe, FileProbe, HttpProbe } from '../rollout/probe.js';
import { DesiredState } from './device-messages.js';
import { fastDesiredState } from './device-messages.fast.js';

/*
 * How an agent reads what the platform sends it. The platform writes the strict schemas of
 * `device-messages.ts` and the gateway reads devices' messages strictly (a device is outside our
 * trust). An agent in the field, though, may be years older than the platform it talks to: an
 * object field it does not know (a later platform's addition, like `traceparent` once was) is
 * dropped here instead of making the whole message refused. Every field it knows keeps its rules,
 * and a new schema version is still refused: that is how the platform says "you cannot read this".
 */

/** `Probe` with each kind's unknown fields dropped: same kinds, same rules. */
const ProbeAsRead = z.discriminatedUnion('kind', [z.object(ExecProbe.shape), z.object(HttpProbe.shape), z.object(FileProbe.shape)]);

/** `Assignment`, tolerant at every level an assignment has. */
const AssignmentAsRead = z.object({ ...Assignment.shape, artifact: z.object(ArtifactRef.shape), probe: ProbeAsRead });

/**
 * `DesiredState` v1 as an agent reads it: unknown fields of the envelope, the data, an assignment,
 * its artifact or its probe are dropped; a known field that breaks its rule refuses the message.
 */
export const DesiredStateAsRead = z.object({
  ...DesiredState.shape,
  data: z.object({ ...DesiredState.shape.data.shape, assignments: z.array(AssignmentAsRead).max(maxAssignments) }),
});

/**
 * The platform → device messages, as agents read them. The fast path stays the strict one: it reads
 * a message only when it has no unknown field (the common case), and anything else goes to the
 * tolerant schema, which gives the same value once unknown fields are dropped.
 */
export const messagesOnDevice = new MessageRegistry<DesiredState>([readersOf<DesiredState>(DesiredStateAsRead, {}, fastDesiredState)]);

/** Parses a message the platform sent to a device; throws `InvalidInput` (`message.*`). */
export function parseMessageOnDevice(raw: unknown): DesiredState {
  return messagesOnDevice.parse(raw);
}
