import { artifactEvents, type ArtifactEvent } from './artifact/artifact-events.js';
import { channelEvents, type ChannelEvent } from './channel/channel-events.js';
import { deviceEvents, type DeviceEvent } from './device/device-events.js';
import { enrollmentEvents, type EnrollmentEvent } from './enrollment/enrollment-events.js';
import { experimentEvents, type ExperimentEvent } from './experiment/experiment-events.js';
import { groupEvents, type GroupEvent } from './group/group-events.js';
import { MessageRegistry } from './kit/registry.js';
import { operatorEvents, type OperatorEvent } from './operator/operator-events.js';
import { registryEvents, type RegistryEvent } from './registry/device-access-events.js';
import { registryConnectionEvents, type RegistryConnectionEvent } from './registry/registry-connection-events.js';
import { rolloutEvents, type RolloutEvent } from './rollout/rollout-events.js';
import { tufEvents, type TufEvent } from './tuf/tuf-events.js';

/** Any event in any Keelson event stream, latest versions only (device-protocol messages are not events). */
export type KeelsonEvent =
  | ArtifactEvent
  | TufEvent
  | DeviceEvent
  | GroupEvent
  | EnrollmentEvent
  | RolloutEvent
  | ChannelEvent
  | ExperimentEvent
  | OperatorEvent
  | RegistryEvent
  | RegistryConnectionEvent;

/** The type name of any Keelson event. */
export type KeelsonEventType = KeelsonEvent['type'];

/**
 * Reads every event of every family, for consumers of more than one stream (the audit log, the API's
 * live updates). Type names are unique across families; building this registry checks that.
 */
export const allEvents = new MessageRegistry<KeelsonEvent>([
  ...artifactEvents.readers,
  ...tufEvents.readers,
  ...deviceEvents.readers,
  ...groupEvents.readers,
  ...enrollmentEvents.readers,
  ...rolloutEvents.readers,
  ...channelEvents.readers,
  ...experimentEvents.readers,
  ...operatorEvents.readers,
  ...registryEvents.readers,
  ...registryConnectionEvents.readers,
]);

/** The type name of every Keelson event, family by family. */
export const allEventTypes: readonly KeelsonEventType[] = allEvents.types;

/** Parses an event of any family at the boundary; throws `InvalidInput` (`message.*`). */
export function parseEvent(raw: unknown): KeelsonEvent {
  return allEvents.parse(raw);
}
