import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Whether a connection has a server right now, as its status events say: down from a `disconnect`
 * until the `reconnect` (a nats-server restarting, a cluster node going away), and for good once
 * closed. An edge asks before it forwards a request: while the link is down, nats.js would hold the
 * request in its reconnect buffer until its timeout ran out, and the caller would wait all that time
 * for a 503 it can have now.
 */
export class BrokerLink {
  private down = false;

  constructor(private readonly nc: NatsConnection) {
    void this.follow();
  }

  get isDown(): boolean {
    return this.down || this.nc.isClosed();
  }

  private async follow(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') this.down = true;
      else if (status.type === 'reconnect') this.down = false;
    }
  }
}

const links = new WeakMap<NatsConnection, BrokerLink>();

/** The one `BrokerLink` of `nc`, made on first use. */
export function brokerLinkOf(nc: NatsConnection): BrokerLink {
  let link = links.get(nc);
  if (!link) links.set(nc, (link = new BrokerLink(nc)));
  return link;
}
