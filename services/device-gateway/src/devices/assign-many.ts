import { isDomainError } from '@keelson/domain-kit';
import type { RequestOutput, gateway, ParsedRequestInput } from '@keelson/requests';
import type { EventMetadata } from '@keelson/event-store';
import type { Devices } from './devices.js';

type Input = ParsedRequestInput<typeof gateway.assignDevices>;
type Result = RequestOutput<typeof gateway.assignDevices>['results'][number];

/** Devices assigned at once within one `assign-many` (the orchestrator keeps several requests in flight): each is an append to its own aggregate. */
const concurrency = 4;

/**
 * Assigns the template to each device of the request as `assign` does, each under its own command id
 * (`<commandId>.<index>`, so the stream's de-duplication tells them apart). A device the domain
 * refuses is answered as refused; any other failure fails the request (the caller asks again, and
 * what was assigned stays assigned once: the decider is idempotent on the assignment id).
 */
export async function assignMany(devices: Devices, input: Input, meta: EventMetadata): Promise<{ results: Result[] }> {
  const results: Result[] = new Array(input.devices.length);
  let next = 0;
  const worker = async () => {
    while (next < input.devices.length) {
      const index = next++;
      const { deviceId, assignmentId } = input.devices[index]!;
      const assignment = { ...input.template, assignmentId };
      try {
        const outcome = await devices.execute(
          input.fleet,
          deviceId,
          { type: 'Assign', assignment },
          { ...meta, commandId: `${meta.commandId}.${index}` },
        );
        const generation = outcome.state.status === 'absent' ? 0 : outcome.state.generation;
        results[index] = { deviceId, generation, changed: outcome.events.length > 0 };
      } catch (err) {
        if (!isDomainError(err)) throw err;
        results[index] = { deviceId, refused: { code: err.code.slice(0, 100), message: err.message.slice(0, 500) } };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, input.devices.length) }, worker));
  return { results };
}
