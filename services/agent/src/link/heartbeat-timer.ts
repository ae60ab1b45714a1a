/**
 * When a heartbeat is due: after a whole period in which the device published nothing. Any message
 * the gateway hears (hello, step, outcome) is a sign of life, so a device busy updating sends no
 * heartbeat beside its steps, and the gateway never waits longer between two messages than with a
 * heartbeat every period. A heartbeat is due at most one period after the device last spoke, so
 * the gateway's offline period (three heartbeat periods by default) keeps its margin.
 */
export class HeartbeatTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly periodMs: number,
    private readonly beat: () => void,
  ) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.beat(), this.periodMs);
    this.timer.unref();
  }

  /** The device just published something else: the next heartbeat is due a whole period from now. */
  spoke(): void {
    this.timer?.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
