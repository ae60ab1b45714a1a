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

/** Totals since nats-server started, from `/varz` and `/jsz`. */
export async function natsCounts(monitorUrl: string): Promise<NatsCounts> {
  const varz = await monitor<{ in_msgs: number; out_msgs: number; in_bytes: number; out_bytes: number; slow_consumers: number }>(monitorUrl, '/varz');
  const jsz = await monitor<{ api?: { total?: number; errors?: number } }>(monitorUrl, '/jsz');
  return {
    inMsgs: varz.in_msgs, outMsgs: varz.out_msgs, inBytes: varz.in_bytes, outBytes: varz.out_bytes,
    jsApiRequests: jsz.api?.total ?? 0, jsApiErrors: jsz.api?.errors ?? 0, slowConsumers: varz.slow_consumers,
  };
}

/** What happened between two readings. */
export function natsDelta(before: NatsCounts, after: NatsCounts): NatsCounts {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof NatsCounts]])) as unknown as NatsCounts;
}
