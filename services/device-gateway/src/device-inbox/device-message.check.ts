import { InvalidInput, isDomainError } from '@keelson/domain-kit';
import {
  parseDeviceMessage,
  type DeviceHeartbeat,
  type DeviceHello,
  type DeviceMetrics,
  type DeviceProgress,
  type DeviceReport,
} from '@keelson/events';

/** A device message that passed every check, with the device it came from. */
export type CheckedDeviceMessage =
  | { topic: 'hello'; deviceId: string; message: DeviceHello }
  | { topic: 'heartbeat'; deviceId: string; message: DeviceHeartbeat }
  | { topic: 'report'; deviceId: string; message: DeviceReport }
  | { topic: 'progress'; deviceId: string; message: DeviceProgress }
  | { topic: 'metrics'; deviceId: string; message: DeviceMetrics };

const typeOfTopic = {
  hello: 'DeviceHello',
  heartbeat: 'DeviceHeartbeat',
  report: 'DeviceReport',
  progress: 'DeviceProgress',
  metrics: 'DeviceMetrics',
} as const;
type Topic = keyof typeof typeOfTopic;
const isTopic = (t: string | undefined): t is Topic => t !== undefined && Object.hasOwn(typeOfTopic, t);

/**
 * Reads a message a device published on `<prefix>keelson.dev.<deviceId>.<topic>`. The broker lets a
 * device publish only under its own id, so the subject is the trusted part: the payload must be a
 * device-protocol message of the topic's type that names the same device. Throws InvalidInput.
 */
export function checkDeviceMessage(subjectPrefix: string, subject: string, raw: unknown): CheckedDeviceMessage {
  const tokens = subject.startsWith(subjectPrefix) ? subject.slice(subjectPrefix.length).split('.') : [];
  const [root, dev, deviceId, topic] = tokens;
  if (tokens.length !== 4 || root !== 'keelson' || dev !== 'dev' || !deviceId || !isTopic(topic)) {
    throw new InvalidInput('device-message.wrong-topic', [{ path: [], message: `'${subject}' is not a device topic` }]);
  }
  const message = parseDeviceMessage(raw);
  if (message.type !== typeOfTopic[topic]) {
    throw new InvalidInput('device-message.wrong-topic', [{ path: ['type'], message: `${message.type} does not belong on ${topic}` }]);
  }
  if (message.data.deviceId !== deviceId) {
    throw new InvalidInput('device-message.device-mismatch', [
      { path: ['data', 'deviceId'], message: 'names another device than its topic' },
    ]);
  }
  return { topic, deviceId, message } as CheckedDeviceMessage;
}

/** The metrics label for why a message was dropped. */
export function dropReason(err: unknown): string {
  if (err instanceof SyntaxError) return 'not-json';
  if (!isDomainError(err)) return 'error';
  const reasons: Record<string, string> = {
    'message.not-json': 'not-json',
    'message.invalid': 'invalid',
    'message.unknown-type': 'unknown-type',
    'message.unknown-version': 'unknown-version',
    'device-message.wrong-topic': 'wrong-topic',
    'device-message.device-mismatch': 'device-mismatch',
    'device.not-found': 'unknown-device',
    'device.decommissioned': 'decommissioned',
  };
  return reasons[err.code] ?? 'refused';
}
