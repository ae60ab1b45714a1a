import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Rollout events this orchestrator appended, by type (waves started, outcomes, halts, finishes...). */
export const rolloutEventsAppended = (): Counter<string> =>
  counter('keelson_rollout_events_appended_total', 'Rollout events appended, by type', ['type']);

/** Assign requests answered by the gateway, by action and whether the desired state changed (false on a redelivery). */
export const assignmentsSent = (): Counter<string> =>
  counter('keelson_rollout_assignments_total', 'Assignments sent to the gateway, by action and whether they changed the desired state', [
    'action',
    'changed',
  ]);

/** Messages a reactor gave up on (malformed or refused by the domain), by reactor. */
export const skippedMessages = (): Counter<string> =>
  counter('keelson_rollout_skipped_messages_total', 'Messages a rollout reactor skipped as poison, by reactor', ['reactor']);
