import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, type EventStoreNaming } from '@keelson/event-store';

/**
 * The fleets that have a TUF repository, read from the subjects of EV_TUF
 * (`ev.tuf.<fleet>.repository`): the stream is the list, so the signer needs no database for it.
 */
export async function repositoryFleets(nc: NatsConnection, naming: EventStoreNaming): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const prefix = `${naming.subjectPrefix}ev.tuf.`;
  const info = await jsm.streams.info(`${naming.streamPrefix}${eventStreams.signer.name}`, { subjects_filter: `${prefix}*.repository` });
  return Object.keys(info.state.subjects ?? {})
    .map((subject) => subject.slice(prefix.length, -'.repository'.length))
    .sort();
}
