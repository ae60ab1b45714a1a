/** One MQTT listener of the platform, as mqtt.js's `servers` option takes it. */
export interface BrokerServer {
  host: string;
  port: number;
  protocol: 'mqtt' | 'mqtts';
}

/**
 * The broker's listeners from the gateway's `mqttUrl`: one URL, or every node of a NATS cluster
 * comma-separated. mqtt.js dials them in turn, so a device whose node dies reconnects to the next one,
 * where its persistent session (kept in replicated streams) is waiting.
 */
export function brokerServers(mqttUrl: string): BrokerServer[] {
  const urls = mqttUrl
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (!urls.length) throw new Error('the broker URL names no server');
  return urls.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`the broker URL '${text}' is not a URL`);
    }
    const protocol = url.protocol.slice(0, -1);
    if (protocol !== 'mqtt' && protocol !== 'mqtts') throw new Error(`the broker URL '${text}' is neither mqtt:// nor mqtts://`);
    return { host: url.hostname, port: Number(url.port || (protocol === 'mqtts' ? 8883 : 1883)), protocol };
  });
}
