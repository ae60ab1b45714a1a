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
  /**
   * Messages taken but not yet handled, at most (default 2,000); past it a new message is dropped and
   * counted (`backlog`). A wave sends a step per device at once: without a bound the backlog, and
   * the memory it holds, grow with the fleet.
   */
  maxPending?: number;
  onError: (err: unknown) => void;
}

const decoder = new TextDecoder();

/**
 * A core subscription to one device topic (`keelson.dev.*.<topic>`) for what need not be stored: each
 * message is checked like any device message before `handle` sees it. A message that does not pass,
 * or that `handle` refuses with a DomainError, is dropped and counted by reason; anything else is an
 * error, reported. Nothing is retried: a lost message of these topics costs nothing.
 *
 * Each message is read and checked the moment it arrives, so only the checked message waits, never
 * the NATS message: its payload is a view into the connection's read buffer (nats.js), and one
 * waiting message kept that whole buffer (up to 64 KiB of everything the connection received) alive.
 * With 2,000 devices the in-order backlog of a wave's steps held the gateway's RSS ~200 MiB up.
 */
export function subscribeDeviceTopic(o: DeviceTopicOptions, handle: (checked: CheckedDeviceMessage) => Promise<void>): Subscription {
  const dropped = droppedDeviceMessages();
  const maxPending = o.maxPending ?? 2_000;
  const failed = (err: unknown) => {
    const reason = dropReason(err);
    if (reason === 'error') o.onError(err);
    else dropped.inc({ reason });
  };
  const waiting: CheckedDeviceMessage[] = [];
  let running = 0;
  const run = async (checked: CheckedDeviceMessage): Promise<void> => {
    running++;
    try {
      await handle(checked);
    } catch (err) {
      failed(err);
    } finally {
      running--;
    }
  };
  let draining = false;
  const drain = async (): Promise<void> => {
    draining = true;
    for (let next = waiting.shift(); next; next = waiting.shift()) await run(next);
    draining = false;
  };
  return o.nc.subscribe(`${o.subjectPrefix}keelson.dev.*.${o.topic}`, {
    ...(o.queue ? { queue: o.queue } : {}),
    callback: (err, msg) => {
      if (err) return o.onError(err);
      let checked: CheckedDeviceMessage;
      try {
        checked = checkDeviceMessage(o.subjectPrefix, msg.subject, JSON.parse(decoder.decode(msg.data)));
      } catch (e) {
        return failed(e);
      }
      if (waiting.length + running >= maxPending) return void dropped.inc({ reason: 'backlog' });
      if (!o.inOrder) return void run(checked);
      waiting.push(checked);
      if (!draining) void drain();
    },
  });
}
