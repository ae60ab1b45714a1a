import { z } from 'zod';
import { DeviceHardware, DisplayName, JsonObject, Labels } from '@keelson/events';

/** The body of `POST /v1/enroll` (see protocol.md): what a device sends to join a fleet. */
export const EnrollRequest = z.strictObject({
  token: z.string().min(1).max(300),
  csr: z.string().min(1).max(8_192),
  name: DisplayName,
  hardware: DeviceHardware.optional(),
  labels: Labels.optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

/** What an enrolled device takes home: its identity, its trust anchor and how to reach the broker. */
export interface EnrollResponse {
  deviceId: string;
  fleet: string;
  certificate: string;
  caCertificate: string;
  tufRoot: z.infer<typeof JsonObject>;
  broker: { mqttUrl: string; clientId: string; username: string; password: string; topicRoot: string };
  facadeUrl: string;
}

/** `keelson` behind the installation's subject prefix, in MQTT spelling (`t1a2b.` -> `t1a2b/keelson`). */
export function topicRootOf(subjectPrefix: string): string {
  return `${subjectPrefix.replace(/\./g, '/')}keelson`;
}
