import type { ServerResponse } from 'node:http';

/**
 * The SSE responses a controller is streaming. An SSE stream never ends by itself: without ending
 * them at shutdown, the HTTP server would wait for every watcher before it closes. Ending a response
 * makes its stream clean up its consumers while NATS is still up.
 */
export class OpenStreams {
  private readonly open = new Set<ServerResponse>();

  /** Runs `stream` on `res`, counting the response as open until the stream is done. */
  async hold(res: ServerResponse, stream: () => Promise<void>): Promise<void> {
    this.open.add(res);
    try {
      await stream();
    } finally {
      this.open.delete(res);
    }
  }

  /** Ends every open response and waits (two seconds at most) until their connections are closed. */
  async endAll(): Promise<void> {
    const closing = [...this.open].map((res) => new Promise((resolve) => res.once('close', resolve)));
    for (const res of this.open) res.end();
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 2_000))]);
  }
}
