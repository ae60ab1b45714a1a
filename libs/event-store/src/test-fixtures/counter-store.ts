import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { applyStreams, EventStore, type EventStoreNaming, type StreamDeclaration } from '../index.js';
import { parseCounterEvent, type CounterEvent } from './counter.js';

/** A counter event store on the run's nats-server, under fresh names for one spec file. */
export interface CounterStore {
  nc: NatsConnection;
  jsm: JetStreamManager;
  naming: EventStoreNaming;
  streamName: string;
  store: EventStore<CounterEvent>;
}

export async function openCounterStore(decl: StreamDeclaration): Promise<CounterStore> {
  const naming = testNamespace();
  const nc = await connectTestNats();
  const jsm = await jetstreamManager(nc);
  await applyStreams(jsm, naming, [decl]);
  const store = new EventStore({ nc, naming, stream: decl, parse: parseCounterEvent });
  return { nc, jsm, naming, streamName: `${naming.streamPrefix}${decl.name}`, store };
}
