import { eventStreams, typedSubject, type EventStoreNaming } from '@keelson/event-store';
import type { DeviceEvent } from '@keelson/events';

/** The device events a rollout's live stream reads: reports (and reverts), reachability, decommissions. */
export const liveStreamDeviceEvents = [
  'DeviceReportedProgress',
  'DeviceReachabilityChanged',
  'DeviceDecommissioned',
] as const satisfies readonly DeviceEvent['type'][];

/**
 * What a rollout's live stream follows of a fleet's devices. Device events are stored on typed
 * subjects (`ev.device.<fleet>.<id>.<EventType>`), so the broker delivers only the types the stream
 * reads, not every enrollment, hello and heartbeat of the fleet; events stored before typed subjects
 * sit on `ev.device.<fleet>.<id>` and are followed too. Without typed device events, the whole fleet.
 */
export function deviceFeedSubjects(naming: EventStoreNaming, fleet: string): string[] {
  const fleetSubjects = `${naming.subjectPrefix}ev.device.${fleet}`;
  if (!eventStreams.gateway.typedAggregates?.includes('device')) return [`${fleetSubjects}.>`];
  return [`${fleetSubjects}.*`, ...liveStreamDeviceEvents.map((type) => typedSubject(`${fleetSubjects}.*`, type))];
}
