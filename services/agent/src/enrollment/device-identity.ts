import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { DataDirLayout } from '../data-dir/layout.js';

/** What enrollment left in `identity/enrollment.json` (nothing secret). */
export const EnrollmentRecord = z.strictObject({
  deviceId: z.string().min(1),
  fleet: z.string().min(1),
  name: z.string().min(1),
  gatewayUrl: z.string().min(1),
  facadeUrl: z.string().min(1),
  enrolledAt: z.string(),
});
export type EnrollmentRecord = z.infer<typeof EnrollmentRecord>;

/** `identity/broker.json` (0600): how the device reaches the broker, as the gateway minted it. */
export const BrokerCredentials = z.strictObject({
  mqttUrl: z.string().min(1),
  clientId: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
  topicRoot: z.string().min(1),
});
export type BrokerCredentials = z.infer<typeof BrokerCredentials>;

export interface DeviceIdentity extends EnrollmentRecord {
  broker: BrokerCredentials;
}

async function readJson<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${what} is missing (${path}): run 'keelson-agent enroll' first`);
    throw err;
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${what} (${path}) is not valid: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
  return parsed.data;
}

/** Reads the identity an enrolled data directory holds; a clear error if it was never enrolled. */
export async function readDeviceIdentity(layout: DataDirLayout): Promise<DeviceIdentity> {
  const enrollment = await readJson(layout.enrollment, EnrollmentRecord, 'the enrollment record');
  const broker = await readJson(layout.brokerCredentials, BrokerCredentials, 'the broker credentials');
  return { ...enrollment, broker };
}

/** True when the data directory holds a completed enrollment (written last, see enroll.ts). */
export async function isEnrolled(layout: DataDirLayout): Promise<boolean> {
  return readDeviceIdentity(layout).then(
    () => true,
    () => false,
  );
}
