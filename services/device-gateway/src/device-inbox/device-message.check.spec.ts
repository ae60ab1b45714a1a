import { InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { checkDeviceMessage, dropReason } from './device-message.check.js';

const prefix = 't1a2b.';
const hello = {
  type: 'DeviceHello',
  schemaVersion: 1,
  data: { deviceId: 'd-01', agentVersion: '0.1.0', installed: [], desiredGeneration: 0 },
};
const heartbeat = {
  type: 'DeviceHeartbeat',
  schemaVersion: 1,
  data: { deviceId: 'd-01', uptimeSeconds: 5, sentAt: '2026-11-22T10:00:00.000Z' },
};

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return dropReason(err);
  }
  throw new Error('expected the message to be dropped');
}

describe('checking a device message', () => {
  it('accepts a message of the topic type that names the device of its topic', () => {
    expect(checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-01.hello', hello)).toEqual({ topic: 'hello', deviceId: 'd-01', message: hello });
    expect(checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-01.heartbeat', heartbeat).topic).toBe('heartbeat');
  });

  describe('drops', () => {
    it('a payload naming another device than its topic', () => {
      expect(reasonOf(() => checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-02.hello', hello))).toBe('device-mismatch');
    });

    it('a message on a topic of another type', () => {
      expect(reasonOf(() => checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-01.report', hello))).toBe('wrong-topic');
    });

    it('a message outside the device topics or outside the prefix', () => {
      expect(reasonOf(() => checkDeviceMessage(prefix, 'keelson.dev.d-01.hello', hello))).toBe('wrong-topic');
      expect(reasonOf(() => checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-01.hello.x', hello))).toBe('wrong-topic');
    });

    it('an unknown type, an unknown version and a malformed body', () => {
      expect(reasonOf(() => checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-01.hello', { ...hello, type: 'DeviceBye' }))).toBe(
        'unknown-type',
      );
      expect(reasonOf(() => checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-01.hello', { ...hello, schemaVersion: 9 }))).toBe(
        'unknown-version',
      );
      expect(reasonOf(() => checkDeviceMessage(prefix, 't1a2b.keelson.dev.d-01.hello', { ...hello, data: { deviceId: 'd-01' } }))).toBe(
        'invalid',
      );
    });
  });

  it('names the reason of refusals from further in', () => {
    expect(dropReason(new SyntaxError('x'))).toBe('not-json');
    expect(dropReason(new NotFound('device', 'd-9'))).toBe('unknown-device');
    expect(dropReason(new RuleViolation('device.decommissioned'))).toBe('decommissioned');
    expect(dropReason(new InvalidInput('something.else', []))).toBe('refused');
  });
});
