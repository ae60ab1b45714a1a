import { readFile } from 'node:fs/promises';
import type { DataDirLayout } from '../data-dir/layout.js';

// Read at every start, so checked by hand (no zod in a running agent, bench/agent-footprint): each
// file is a JSON object with exactly these fields, each a string, non-empty where marked.

/** What enrollment left in `identity/enrollment.json` (nothing secret). */
export interface EnrollmentRecord {
  deviceId: string;
  fleet: string;
  name: string;
  gatewayUrl: string;
  facadeUrl: string;
  enrolledAt: string;
}

/** `identity/broker.json` (0600): how the device reaches the broker, as the gateway minted it. */
export interface BrokerCredentials {
  mqttUrl: string;
  clientId: string;
  username: string;
  password: string;
  topicRoot: string;
}

export interface DeviceIdentity extends EnrollmentRecord {
  broker: BrokerCredentials;
}

/** Field name → may it be empty. */
type StringFields<T> = Record<keyof T & string, boolean>;
const enrollmentFields: StringFields<EnrollmentRecord> = {
  deviceId: false,
  fleet: false,
  name: false,
  gatewayUrl: false,
  facadeUrl: false,
  enrolledAt: true,
};
const brokerFields: StringFields<BrokerCredentials> = {
  mqttUrl: false,
  clientId: false,
  username: false,
  password: false,
  topicRoot: false,
};

/** The first thing wrong with `value` as an object of exactly these string fields, or undefined. */
function problemOf(value: unknown, fields: Record<string, boolean>): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  for (const key of Object.keys(value)) if (!Object.hasOwn(fields, key)) return `unknown field ${JSON.stringify(key)}`;
  for (const [key, mayBeEmpty] of Object.entries(fields)) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field !== 'string' || (!mayBeEmpty && field.length === 0)) return `${key} must be a ${mayBeEmpty ? '' : 'non-empty '}string`;
  }
  return undefined;
}

async function readJson<T>(path: string, fields: StringFields<T>, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${what} is missing (${path}): run 'keelson-agent enroll' first`);
    throw err;
  }
  const value: unknown = JSON.parse(text);
  const problem = problemOf(value, fields);
  if (problem) throw new Error(`${what} (${path}) is not valid: ${problem}`);
  return value as T;
}

/** Reads the identity an enrolled data directory holds; a clear error if it was never enrolled. */
export async function readDeviceIdentity(layout: DataDirLayout): Promise<DeviceIdentity> {
  const enrollment = await readJson(layout.enrollment, enrollmentFields, 'the enrollment record');
  const broker = await readJson(layout.brokerCredentials, brokerFields, 'the broker credentials');
  return { ...enrollment, broker };
}

/** True when the data directory holds a completed enrollment (written last, see enroll.ts). */
export async function isEnrolled(layout: DataDirLayout): Promise<boolean> {
  return readDeviceIdentity(layout).then(
    () => true,
    () => false,
  );
}
