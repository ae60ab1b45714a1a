import type { NatsConnection } from '@nats-io/transport-node';
import { connectTestNats } from '@keelson/testing';

/** Counts the direct-get requests (event reads) sent to one stream, as the server routes them. */
export interface DirectReads {
  /** Requests seen so far: every one sent before the call is counted. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Listens on the stream's direct-get API subjects from a connection of its own: a core subscriber
 * gets a copy of every request, whoever sends it, and no code under test is changed to be counted.
 */
export async function watchDirectReads(streamName: string): Promise<DirectReads> {
  const spy: NatsConnection = await connectTestNats();
  let seen = 0;
  for (const subject of [`$JS.API.DIRECT.GET.${streamName}`, `$JS.API.DIRECT.GET.${streamName}.>`]) {
    spy.subscribe(subject, { callback: () => void seen++ });
  }
  await spy.flush(); // subscribed at the server before anything is counted
  return {
    async count() {
      // The server queued the copy of a request to this connection before it answered the request,
      // so the answer to this later ping comes after every copy.
      await spy.flush();
      return seen;
    },
    close: () => spy.close(),
  };
}
