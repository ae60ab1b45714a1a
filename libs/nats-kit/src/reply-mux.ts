import {
  ClosedConnectionError,
  createInbox,
  NoRespondersError,
  PermissionViolationError,
  TimeoutError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

interface Pending {
  subject: string;
  resolve: (msg: Msg) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply over one reply subscription per connection (`_INBOX.<id>.*`, a token per request),
 * as nats.js's own `request` does, minus the `RequestError("cancelled")` it builds, stack and all,
 * at the end of every answered request (1.4 % of a requesting service's CPU). Kept from it: the
 * timeout (`TimeoutError`), no responders (`NoRespondersError`, the server's 503 when nobody
 * listens) and a publish the connection may not make (its `PermissionViolationError`, at once). A
 * reply after its request timed out, or a second reply, is dropped; the connection's close rejects
 * what still waits (`ClosedConnectionError`).
 */
export class ReplyMux {
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, Pending>();
  private sub: Subscription | undefined;
  private next = 0;
  private watching = false;

  constructor(private readonly nc: NatsConnection) {}

  request(subject: string, data: string | Uint8Array, options: { timeoutMs: number; headers?: MsgHdrs }): Promise<Msg> {
    this.start();
    const token = (this.next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(token)?.reject(new TimeoutError()), options.timeoutMs);
      this.pending.set(token, { subject, resolve, reject, timer });
      try {
        this.nc.publish(subject, data, { reply: `${this.inbox}.${token}`, ...(options.headers ? { headers: options.headers } : {}) });
      } catch (err) {
        this.settle(token)?.reject(err as Error);
      }
    });
  }

  /** Requests waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Subscribes on first use, and listens for publishes the server refused and for the connection's close. */
  private start(): void {
    if (this.sub) return;
    this.sub = this.nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => this.deliver(err, msg) });
    if (this.watching) return;
    this.watching = true;
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type !== 'error' || !(s.error instanceof PermissionViolationError) || s.error.operation !== 'publish') continue;
        for (const [token, p] of this.pending) if (p.subject === s.error.subject) this.settle(token)?.reject(s.error);
      }
    })();
    void this.nc.closed().then(() => this.rejectAll(new ClosedConnectionError()));
  }

  private rejectAll(err: Error): void {
    for (const token of [...this.pending.keys()]) this.settle(token)?.reject(err);
  }

  private deliver(err: Error | null, msg: Msg): void {
    if (err) {
      // the reply subscription failed (refused or closed): nothing waiting can be answered on it
      this.sub = undefined;
      this.rejectAll(err);
      return;
    }
    const pending = this.settle(msg.subject.slice(this.inbox.length + 1));
    if (!pending) return; // too late (timed out) or a second reply
    if (msg.data.length === 0 && msg.headers?.code === 503) pending.reject(new NoRespondersError(pending.subject));
    else pending.resolve(msg);
  }

  /** Takes the request off the waiting list (undefined if it is not on it) and stops its clock. */
  private settle(token: string): Pending | undefined {
    const pending = this.pending.get(token);
    if (!pending) return undefined;
    this.pending.delete(token);
    clearTimeout(pending.timer);
    return pending;
  }
}

const muxes = new WeakMap<NatsConnection, ReplyMux>();

/** The connection's reply mux (one reply subscription per connection). */
export function replyMuxOf(nc: NatsConnection): ReplyMux {
  let mux = muxes.get(nc);
  if (!mux) muxes.set(nc, (mux = new ReplyMux(nc)));
  return mux;
}
