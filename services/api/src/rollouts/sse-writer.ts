import type { ServerResponse } from 'node:http';

/** Writes Server-Sent Events (HTML Living Standard, 9.2) to one response. */
export class SseWriter {
  constructor(private readonly res: ServerResponse) {}

  open(): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx and friends would otherwise hold events back
    });
    this.res.flushHeaders();
  }

  // One JSON line per event: JSON never contains a raw newline, so `data:` needs no splitting.
  send(event: string, data: unknown): void {
    if (this.isOpen) this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: clients ignore it, proxies see traffic. */
  heartbeat(): void {
    if (this.isOpen) this.res.write(': heartbeat\n\n');
  }

  end(): void {
    if (this.isOpen) this.res.end();
  }

  get isOpen(): boolean {
    return !this.res.writableEnded && !this.res.destroyed;
  }
}
