import type { NatsConnection } from '@nats-io/transport-node';

/** One server's answer to a system request (`ServerAPIResponse` in nats-server's events.go). */
interface ServerApiResponse<T> {
  server?: { id?: string; name?: string };
  data?: T;
  error?: { code?: number; description?: string };
}

interface Connz {
  connections?: { cid?: number; mqtt_client?: string; start?: string }[] | null;
}

/** Where every server of a cluster answers a monitoring request (nats-server 2.2+). */
const pingConnz = '$SYS.REQ.SERVER.PING.CONNZ';
/** Closes one client connection of that server (nats-server 2.10+); there is no ping form of it. */
const kickOn = (serverId: string) => `$SYS.REQ.SERVER.${serverId}.KICK`;

const decoder = new TextDecoder();
const read = <T>(data: Uint8Array): ServerApiResponse<T> => JSON.parse(decoder.decode(data)) as ServerApiResponse<T>;

export interface ConnectionKickerOptions {
  /** A connection as a user of the system account: only it may ask servers to close connections. */
  system: NatsConnection;
  /** How long to collect the answers of a cluster's servers (each answers once). */
  gatherMs?: number;
}

/**
 * Drops a device's live MQTT connections on every server, so a decommission bites at once and not
 * at the end of the device's admitted session. The device's client id is its id (the auth callout
 * insists on it), so the server's own connection list finds its connections by `mqtt_client`.
 */
export class ConnectionKicker {
  private readonly gatherMs: number;

  constructor(private readonly o: ConnectionKickerOptions) {
    this.gatherMs = o.gatherMs ?? 500;
  }

  /**
   * Closes every connection of `deviceId` (only those opened before `startedBefore`, when given: a
   * re-enrolled device's new connection stays); returns how many were closed.
   */
  async kick(deviceId: string, startedBefore?: Date): Promise<number> {
    const found = await this.connectionsOf(deviceId, startedBefore);
    let kicked = 0;
    for (const { serverId, cid } of found) {
      const reply = read<unknown>((await this.o.system.request(kickOn(serverId), JSON.stringify({ cid }), { timeout: 2_000 })).data);
      // A connection that closed on its own in the meantime is what we wanted anyway.
      if (!reply.error) kicked++;
    }
    return kicked;
  }

  private async connectionsOf(deviceId: string, startedBefore?: Date): Promise<{ serverId: string; cid: number }[]> {
    const answers = await this.o.system.requestMany(pingConnz, JSON.stringify({ mqtt_client: deviceId, limit: 1024 }), {
      maxWait: this.gatherMs,
    });
    const found: { serverId: string; cid: number }[] = [];
    for await (const m of answers) {
      const answer = read<Connz>(m.data);
      const serverId = answer.server?.id;
      if (!serverId || answer.error) continue;
      for (const c of answer.data?.connections ?? []) {
        // The filter is the server's; checking again costs nothing and never kicks another client.
        if (c.mqtt_client !== deviceId || typeof c.cid !== 'number') continue;
        if (startedBefore && c.start && Date.parse(c.start) >= startedBefore.getTime()) continue;
        found.push({ serverId, cid: c.cid });
      }
    }
    return found;
  }
}
