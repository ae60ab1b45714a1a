import type { MqttClient } from 'mqtt';
import {
  readDesiredState,
  type DesiredState,
  type DeviceHello,
  type DeviceMetrics,
  type DeviceProgress,
  type DeviceReport,
} from '@keelson/events/device-protocol';
import type { DeviceIdentity } from '../enrollment/device-identity.js';
import { connectToBroker, maxBackoffMs, minBackoffMs } from './broker-connection.js';
import { HeartbeatTimer } from './heartbeat-timer.js';

export type LinkLog = (event: string, fields: Record<string, unknown>) => void;

export interface DeviceLinkOptions {
  identity: DeviceIdentity;
  /** The hello to send on every connect: what the device runs and which generation it applied. */
  hello(): Promise<DeviceHello['data']>;
  /** `afterConnect`: the first desired state since the link (re)connected, when lost reports are sent again. */
  onDesired(desired: DesiredState['data'], afterConnect: boolean): void;
  /** Silence after which the agent publishes a heartbeat (rare: the broker's keep-alive is what tells the gateway the device is there). */
  heartbeatSeconds: number;
  /**
   * The MQTT keep-alive: after this much silence mqtt.js sends a PINGREQ, which the broker answers
   * alone; the broker closes a connection silent for 1.5 times as long, and the gateway learns of it.
   */
  keepaliveSeconds: number;
  log: LinkLog;
  /** The platform CA (PEM) an mqtts:// broker chains to; trusted instead of the machine's store. */
  platformCa?: string;
}

/**
 * The device's MQTT session with the gateway: a persistent session (clean: false) whose client id
 * is the device id, the desired-state subscription at QoS 0, a hello on every (re)connect, outcomes
 * at QoS 1, steps and heartbeats at QoS 0. The gateway asks the broker which devices are connected,
 * so an idle device costs an MQTT keep-alive ping (answered by the broker, never delivered to the
 * gateway); a heartbeat goes out only after a long silence (default 300 s), for a gateway that cannot ask. The gateway's desired state is a plain NATS publish, which the
 * broker's MQTT side delivers at QoS 0 whatever the subscription asks (a QoS 1 subscription only
 * kept a JetStream consumer per device that nothing ever fed); it reaches us only while we are
 * online, so the hello on reconnect is what makes the gateway send it again.
 */
export class DeviceLink {
  private client: MqttClient | null = null;
  private readonly heartbeat: HeartbeatTimer;
  // Set on every (re)connect: the answer to that hello is when reports lost on the way are re-sent.
  private awaitingFirstDesired = false;
  private readonly startedAt = Date.now();
  private backoffMs = minBackoffMs;
  private receiving: Promise<void> = Promise.resolve();
  private readonly topics: { hello: string; heartbeat: string; report: string; progress: string; metrics: string; desired: string };

  constructor(private readonly options: DeviceLinkOptions) {
    const { broker, deviceId } = options.identity;
    const dev = `${broker.topicRoot}/dev/${deviceId}`;
    this.topics = {
      hello: `${dev}/hello`,
      heartbeat: `${dev}/heartbeat`,
      report: `${dev}/report`,
      progress: `${dev}/progress`,
      metrics: `${dev}/metrics`,
      desired: `${broker.topicRoot}/cmd/${deviceId}/desired`,
    };
    this.heartbeat = new HeartbeatTimer(options.heartbeatSeconds * 1000, () => this.beat());
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { broker } = this.options.identity;
    const client = connectToBroker(broker, this.options);
    this.client = client;
    // Attached before the connection completes: messages queued for our session arrive right after CONNACK.
    client.on('message', (topic, payload) => this.receive(topic, payload));
    client.on('connect', () => {
      this.backoffMs = minBackoffMs;
      client.options.reconnectPeriod = minBackoffMs;
      void this.greet(client);
    });
    // Before mqtt.js schedules its reconnect: back off, with jitter, so a refused device does not
    // hammer the broker and a whole fleet does not reconnect in lockstep after a broker restart.
    client.prependListener('close', () => {
      client.options.reconnectPeriod = Math.round(this.backoffMs * (0.5 + Math.random() / 2));
      this.backoffMs = Math.min(this.backoffMs * 2, maxBackoffMs);
    });
    client.on('error', (err) => this.options.log('mqtt-error', { error: err.message }));
    client.on('offline', () => this.options.log('mqtt-offline', {}));
    this.heartbeat.start();
  }

  /**
   * A step of an assignment, at QoS 0 and only while connected: it is for whoever watches the rollout
   * now. The outcome's report carries when each step began, so a lost one loses nothing on record.
   */
  progress(data: Omit<DeviceProgress['data'], 'deviceId' | 'sentAt'>): void {
    if (!this.connected) return;
    this.heartbeat.spoke();
    const message: DeviceProgress = {
      type: 'DeviceProgress',
      schemaVersion: 1,
      data: { deviceId: this.options.identity.deviceId, ...data, sentAt: new Date().toISOString() },
    };
    this.client?.publish(this.topics.progress, JSON.stringify(message), { qos: 0 });
  }

  /** How an assignment ended, at QoS 1: it is the record, so mqtt.js keeps it until the broker has it. */
  report(data: Omit<DeviceReport['data'], 'deviceId' | 'sentAt'>): void {
    const message: DeviceReport = {
      type: 'DeviceReport',
      schemaVersion: 2,
      data: { deviceId: this.options.identity.deviceId, ...data, sentAt: new Date().toISOString() },
    };
    // While offline mqtt.js queues the publish and sends it after reconnecting.
    if (this.connected) this.heartbeat.spoke();
    this.client?.publish(this.topics.report, JSON.stringify(message), { qos: 1 }, (err) => {
      if (err) this.options.log('report-not-sent', { assignmentId: data.assignmentId, state: data.state, error: err.message });
    });
  }

  /** One window of the application's metrics, at QoS 0 and only while connected: telemetry, a lost window is one window. */
  metrics(message: DeviceMetrics): boolean {
    if (!this.connected) return false;
    this.heartbeat.spoke();
    this.client?.publish(this.topics.metrics, JSON.stringify(message), { qos: 0 });
    return true;
  }

  /** Disconnects cleanly (the broker keeps the persistent session); gives up waiting for acks after 2 s. */
  async stop(): Promise<void> {
    this.heartbeat.stop();
    const client = this.client;
    if (!client) return;
    if (!client.connected) return void client.end(true); // offline: nothing to say goodbye to
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.endAsync(), new Promise<void>((r) => (timer = setTimeout(() => (client.end(true), r()), 2_000)))]);
    clearTimeout(timer);
  }

  /** Drops the connection without a DISCONNECT, as a crash or a power cut would. */
  kill(): void {
    this.heartbeat.stop();
    this.client?.end(true);
  }

  private async greet(client: MqttClient): Promise<void> {
    this.awaitingFirstDesired = true;
    try {
      await client.subscribeAsync(this.topics.desired, { qos: 0 });
      await this.sendHello(client);
      this.options.log('connected', { deviceId: this.options.identity.deviceId });
    } catch (err) {
      this.options.log('hello-failed', { error: (err as Error).message });
    }
  }

  private async sendHello(client: MqttClient): Promise<void> {
    const hello: DeviceHello = { type: 'DeviceHello', schemaVersion: 1, data: await this.options.hello() };
    this.heartbeat.spoke();
    await client.publishAsync(this.topics.hello, JSON.stringify(hello), { qos: 1 });
  }

  private beat(): void {
    if (!this.connected) return;
    const data = {
      deviceId: this.options.identity.deviceId,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      sentAt: new Date().toISOString(),
    };
    this.client?.publish(this.topics.heartbeat, JSON.stringify({ type: 'DeviceHeartbeat', schemaVersion: 1, data }), { qos: 0 });
  }

  private receive(topic: string, payload: Buffer): void {
    if (topic !== this.topics.desired) return;
    // In arrival order, even when one message takes the reader's slower path.
    this.receiving = this.receiving.then(async () => {
      try {
        // Read tolerantly: a newer platform may add fields this agent does not know (device-side-reading.ts).
        const desired = await readDesiredState(JSON.parse(payload.toString('utf8')));
        if (desired.data.deviceId !== this.options.identity.deviceId)
          throw new Error(`unexpected DesiredState for ${desired.data.deviceId}`);
        const afterConnect = this.awaitingFirstDesired;
        this.awaitingFirstDesired = false;
        this.options.onDesired(desired.data, afterConnect);
      } catch (err) {
        this.options.log('desired-state-dropped', { error: (err as Error).message });
      }
    });
  }
}
