import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { register, type Counter } from 'prom-client';
import { connectTestNats, eventually, testNamespace } from '@keelson/testing';
import type { CheckedDeviceMessage } from './device-message.check.js';
import { subscribeDeviceTopic } from './device-topic-subscription.js';

const encoder = new TextEncoder();
const at = new Date(Date.UTC(2026, 11, 6, 9, 0, 0)).toISOString();

describe('a device topic subscription, against real NATS', () => {
  let nc: NatsConnection;
  const { subjectPrefix } = testNamespace();
  let sub: Subscription | undefined;
  beforeAll(async () => {
    nc = await connectTestNats();
  });
  afterEach(() => {
    sub?.unsubscribe();
  });
  afterAll(() => nc.close());

  const step = (deviceId: string, state: string) =>
    nc.publish(
      `${subjectPrefix}keelson.dev.${deviceId}.progress`,
      encoder.encode(
        JSON.stringify({
          type: 'DeviceProgress',
          schemaVersion: 1,
          data: { deviceId, assignmentId: `a-${deviceId}`, rolloutId: 'r-1', state, sentAt: at },
        }),
      ),
    );
  const backlogDrops = async () =>
    (await (register.getSingleMetric('keelson_device_messages_dropped_total') as Counter<string> | undefined)?.get())?.values.find(
      (v) => v.labels.reason === 'backlog',
    )?.value ?? 0;

  /** A handler that holds every message until `release`, noting what it was given. */
  function heldHandler() {
    const seen: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const handle = async (checked: CheckedDeviceMessage) => {
      seen.push(checked.deviceId);
      await released;
    };
    return { seen, handle, release: () => release() };
  }

  describe('when its handler falls behind', () => {
    it('in order: keeps at most maxPending messages, drops and counts the rest, and handles the kept ones in arrival order', async () => {
      const dropsBefore = await backlogDrops();
      const held = heldHandler();
      sub = subscribeDeviceTopic(
        {
          nc,
          subjectPrefix,
          topic: 'progress',
          inOrder: true,
          maxPending: 3,
          onError: (err) => {
            throw err;
          },
        },
        held.handle,
      );
      for (const id of ['d-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-6']) step(id, 'downloading');
      await nc.flush();
      await eventually(async () => (await backlogDrops()) === dropsBefore + 3);
      held.release();
      await eventually(async () => held.seen.length === 3);
      expect(held.seen).toEqual(['d-1', 'd-2', 'd-3']);
    });

    it('at once: has at most maxPending messages in hand, drops and counts the rest', async () => {
      const dropsBefore = await backlogDrops();
      const held = heldHandler();
      sub = subscribeDeviceTopic(
        {
          nc,
          subjectPrefix,
          topic: 'progress',
          maxPending: 2,
          onError: (err) => {
            throw err;
          },
        },
        held.handle,
      );
      for (const id of ['d-7', 'd-8', 'd-9', 'd-10']) step(id, 'downloading');
      await nc.flush();
      await eventually(async () => (await backlogDrops()) === dropsBefore + 2);
      expect(held.seen).toEqual(['d-7', 'd-8']);
      held.release();
    });
  });
});
