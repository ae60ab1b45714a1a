import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { deviceAccount } from '../broker-auth/device-authorization.js';

/** One server's answer to a system request (`ServerAPIResponse` in nats-server's events.go). */
interface ConnzAnswer {
  data?: { connections?: { mqtt_client?: string }[] | null };
  error?: unknown;
}

/** What nats-server publishes when a client of the account closes (`DisconnectEventMsg`); MQTT clients carry their client id. */
interface DisconnectAdvisory {
  client?: { client_id?: string };
}

/** Where every server of a cluster answers a monitoring request (nats-server 2.2+). */
const pingConnz = '$SYS.REQ.SERVER.PING.CONNZ';
/** Each server's advisory for every closed connection of the devices' account (no other account, no connects). */
export const deviceDisconnects = `$SYS.ACCOUNT.${deviceAccount}.DISCONNECT`;
const pageSize = 1_024;
// Pages overlap: a connection that closes between two requests shifts the list, and without the
// overlap the first connection of the next page would be skipped (and its device called silent).
const pageStep = pageSize - 128;

const decoder = new TextDecoder();

export interface BrokerPresenceOptions {
  /** A connection as a user of the system account (the gateway's: it may list connections and hear disconnects). */
  system: NatsConnection;
  /** How long to collect the answers of a cluster's servers for one page (each answers once). */
  gatherMs?: number;
}

/**
 * What the broker knows about the devices' MQTT connections. A connected device is alive: the broker
 * closes a connection that sent nothing (not even an MQTT PINGREQ, which it answers alone) for 1.5
 * times the keep-alive the device asked for, so an idle device needs no application heartbeat. The
 * client id of a device's connection is its id (the auth callout insists on it).
 */
export class BrokerPresence {
  private readonly gatherMs: number;
  private sub: Subscription | undefined;

  constructor(private readonly o: BrokerPresenceOptions) {
    this.gatherMs = o.gatherMs ?? 500;
  }

  /** The client ids of every open MQTT connection, on every server; throws when no server answered. */
  async connectedDevices(): Promise<Set<string>> {
    const connected = new Set<string>();
    for (let offset = 0; ; offset += pageStep) {
      let answered = 0;
      let fullPage = false;
      const answers = await this.o.system.requestMany(pingConnz, JSON.stringify({ offset, limit: pageSize }), { maxWait: this.gatherMs });
      for await (const m of answers) {
        const answer = JSON.parse(decoder.decode(m.data)) as ConnzAnswer;
        if (answer.error) continue;
        answered++;
        const connections = answer.data?.connections ?? [];
        if (connections.length === pageSize) fullPage = true;
        for (const c of connections) if (c.mqtt_client) connected.add(c.mqtt_client);
      }
      if (answered === 0) throw new Error('no server answered the connection list');
      if (!fullPage) return connected;
    }
  }

  /** Calls `closed` with the client id of every MQTT connection that closes from now on (lossy: core NATS). */
  onDisconnect(closed: (deviceId: string) => void): void {
    this.sub = this.o.system.subscribe(deviceDisconnects, {
      callback: (err, m) => {
        if (err) return;
        try {
          const id = (JSON.parse(decoder.decode(m.data)) as DisconnectAdvisory).client?.client_id;
          if (id) closed(id);
        } catch {
          // not an advisory we know: the next connection list corrects what it would have told
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.sub?.drain();
  }
}
