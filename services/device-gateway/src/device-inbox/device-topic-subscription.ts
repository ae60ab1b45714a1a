import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { droppedDeviceMessages } from './device-inbox.metrics.js';
import { checkDeviceMessage, dropReason, type CheckedDeviceMessage } from './device-message.check.js';

export interface DeviceTopicOptions {
  nc: NatsConnection;
  subjectPrefix: string;
  /** The topic's last token: `heartbeat`, `progress`. */
  topic: CheckedDeviceMessage['topic'];
  /** One replica of the gateway takes each message (absent: every replica takes all). */
  queue?: string;
  /** Handle one message at a time, in arrival order (else each as soon as it arrives). */
  inOrder?: boolean;
  onError: (err: unknown) => void;
}

const decoder = new TextDecoder();

/**
 * A core subscription to one device topic (`keelson.dev.*.<topic>`) for what need not be stored: each
 * message is checked like any device message before `handle` sees it. A message that does not pass,
 * or that `handle` refuses with a DomainError, is dropped and counted by reason; anything else is an
 * error, reported. Nothing is retried: a lost message of these topics costs nothing.
 */
export function subscribeDeviceTopic(o: DeviceTopicOptions, handle: (checked: CheckedDeviceMessage) => Promise<void>): Subscription {
  const dropped = droppedDeviceMessages();
  const receive = async (subject: string, data: Uint8Array) => {
    try {
      await handle(checkDeviceMessage(o.subjectPrefix, subject, JSON.parse(decoder.decode(data))));
    } catch (err) {
      const reason = dropReason(err);
      if (reason === 'error') o.onError(err);
      else dropped.inc({ reason });
    }
  };
  let previous: Promise<void> = Promise.resolve();
  return o.nc.subscribe(`${o.subjectPrefix}keelson.dev.*.${o.topic}`, {
    ...(o.queue ? { queue: o.queue } : {}),
    callback: (err, msg) => {
      if (err) return o.onError(err);
      if (!o.inOrder) return void receive(msg.subject, msg.data);
      previous = previous.then(() => receive(msg.subject, msg.data)); // receive never rejects
    },
  });
}
