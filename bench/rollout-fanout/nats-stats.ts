/** What nats-server counted itself (its monitoring port): every client's messages, MQTT included. */
export interface NatsCounts {
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  /** JetStream API requests (stream/consumer info, pull fetches' consumer requests, …), not publishes. */
  jsApiRequests: number;
  jsApiErrors: number;
  slowConsumers: number;
}

async function monitor<T>(monitorUrl: string, path: string): Promise<T> {
  const res = await fetch(`${monitorUrl}${path}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`nats-server ${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Messages in and out per client name (each service names its connection; MQTT devices are one group). */
export type NatsByClient = Record<string, { inMsgs: number; outMsgs: number }>;

interface Connz {
  connections: { cid: number; name?: string; mqtt_client?: string; in_msgs: number; out_msgs: number }[];
}

/** Per-connection counters, keyed by connection id (`/connz`); `natsByClient` sums a window by name. */
export async function natsConnections(monitorUrl: string): Promise<Connz['connections']> {
  return (await monitor<Connz>(monitorUrl, '/connz?limit=100000')).connections;
}

/**
 * Messages per client over a window. A connection opened in the window counts whole; one closed in
 * it is lost (services and devices stay connected through a rollout).
 */
export function natsByClient(before: Connz['connections'], after: Connz['connections']): NatsByClient {
  const start = new Map(before.map((c) => [c.cid, c]));
  const out: NatsByClient = {};
  for (const c of after) {
    const name = c.mqtt_client ? 'mqtt devices' : c.name || '(unnamed: the bench)';
    const entry = (out[name] ??= { inMsgs: 0, outMsgs: 0 });
    entry.inMsgs += c.in_msgs - (start.get(c.cid)?.in_msgs ?? 0);
    entry.outMsgs += c.out_msgs - (start.get(c.cid)?.out_msgs ?? 0);
  }
  return out;
}

/** Totals since nats-server started, from `/varz` and `/jsz`. */
export async function natsCounts(monitorUrl: string): Promise<NatsCounts> {
  const varz = await monitor<{ in_msgs: number; out_msgs: number; in_bytes: number; out_bytes: number; slow_consumers: number }>(
    monitorUrl,
    '/varz',
  );
  const jsz = await monitor<{ api?: { total?: number; errors?: number } }>(monitorUrl, '/jsz');
  return {
    inMsgs: varz.in_msgs,
    outMsgs: varz.out_msgs,
    inBytes: varz.in_bytes,
    outBytes: varz.out_bytes,
    jsApiRequests: jsz.api?.total ?? 0,
    jsApiErrors: jsz.api?.errors ?? 0,
    slowConsumers: varz.slow_consumers,
  };
}

/** What happened between two readings. */
export function natsDelta(before: NatsCounts, after: NatsCounts): NatsCounts {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof NatsCounts]])) as unknown as NatsCounts;
}
