import type { Subscription } from '@nats-io/transport-node';
import { register, type Counter } from 'prom-client';
import { parseDeviceMessage, type DesiredState } from '@keelson/events';
import { TestClock } from '@keelson/testing';
import { startDeviceHalf, type DeviceHalfApp } from './device-half-app.js';

export const fleet = 'plant-7';
export const now = () => new Date().toISOString();

export const dropped = async (reason: string) => {
  const metric = register.getSingleMetric('keelson_device_messages_dropped_total') as Counter<string> | undefined;
  return (await metric?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
};
export const counted = async (name: string, label: string, value: string) =>
  (await (register.getSingleMetric(name) as Counter<string> | undefined)?.get())?.values.find((v) => v.labels[label] === value)?.value ?? 0;

/** The device half of the gateway with four enrolled devices, what it pushes as desired state, and devices' messages to send it. */
export class DeviceInboxBench {
  // Reads the system clock until a spec stops it to judge silence at instants of its choosing.
  readonly clock = new TestClock();
  private readonly desiredSeen: DesiredState[] = [];
  private gw?: DeviceHalfApp;
  private desiredSub?: Subscription;

  async start(): Promise<DeviceHalfApp> {
    const gw = (this.gw = await startDeviceHalf({ KEELSON_DEVICE_OFFLINE_SECONDS: '3' }, { clock: this.clock }));
    this.desiredSub = gw.nc.subscribe(`${gw.naming.subjectPrefix}keelson.cmd.*.desired`, {
      callback: (_, msg) => {
        this.desiredSeen.push(parseDeviceMessage(msg.json()) as DesiredState);
      },
    });
    for (const id of ['d-aaa1', 'd-bbb2', 'd-ccc3', 'd-ddd4']) await gw.enroll(fleet, id, `camera ${id}`);
    return gw;
  }

  async stop(): Promise<void> {
    await this.desiredSub?.drain();
    await this.gw?.close();
  }

  readonly publish = (deviceId: string, topic: string, payload: unknown) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    this.gw!.nc.publish(`${this.gw!.naming.subjectPrefix}keelson.dev.${deviceId}.${topic}`, new TextEncoder().encode(body));
  };
  readonly hello = (deviceId: string, desiredGeneration = 0) =>
    this.publish(deviceId, 'hello', {
      type: 'DeviceHello',
      schemaVersion: 1,
      data: {
        deviceId,
        agentVersion: '0.1.0',
        desiredGeneration,
        installed: [{ name: 'yolo-v8n', version: '2.0.4', sha256: 'd'.repeat(64) }],
        hardware: { architecture: 'arm64' },
      },
    });
  readonly report = (deviceId: string, assignmentId: string, state: string, payloadDeviceId = deviceId) =>
    this.publish(deviceId, 'report', {
      type: 'DeviceReport',
      schemaVersion: 1,
      data: { deviceId: payloadDeviceId, assignmentId, rolloutId: 'r-1', state, sentAt: now() },
    });
  readonly heartbeat = (deviceId: string) =>
    this.publish(deviceId, 'heartbeat', { type: 'DeviceHeartbeat', schemaVersion: 1, data: { deviceId, uptimeSeconds: 1, sentAt: now() } });
  readonly desiredFor = (deviceId: string) => this.desiredSeen.filter((d) => d.data.deviceId === deviceId);
  readonly row = async (deviceId: string) =>
    (
      await this.gw!.db.query<{ reachable: boolean; installed: unknown[]; desired_generation: number; assignments: unknown[] }>(
        'SELECT reachable, installed, desired_generation, assignments FROM devices WHERE device_id = $1',
        [deviceId],
      )
    )[0];
  readonly types = async (deviceId: string) => (await this.gw!.eventsOf(fleet, deviceId)).map((e) => e.type);
}
