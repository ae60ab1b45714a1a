import { z } from 'zod';
import { AuditCloudEvent } from '../audit/index.js';
import { DesiredState, DeviceHeartbeat, DeviceHello, DeviceMetrics, DeviceProgress, DeviceReport } from '../device-protocol/index.js';

// The contracts others implement: device vendors (the MQTT protocol) and audit consumers
// (CloudEvents). Everything else stays internal and may evolve with readers.
const wireContracts = {
  'device-protocol/DeviceHello': DeviceHello,
  'device-protocol/DeviceHeartbeat': DeviceHeartbeat,
  'device-protocol/DeviceReport': DeviceReport,
  'device-protocol/DeviceProgress': DeviceProgress,
  'device-protocol/DeviceMetrics': DeviceMetrics,
  'device-protocol/DesiredState': DesiredState,
  'audit/AuditCloudEvent': AuditCloudEvent,
} as const;

/**
 * The JSON Schema (draft 2020-12) of every wire contract, keyed by its file under `proto/`
 * (`device-protocol/DeviceHello.schema.json`). Generated from the zod schemas, never hand-written.
 */
export function wireSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [name, schema] of Object.entries(wireContracts)) {
    // 'input': what a sender must produce (defaults are optional on the wire)
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', target: 'draft-2020-12' });
    out[`${name}.schema.json`] = { $id: `keelson:proto/${name}`, title: name.split('/')[1], ...json };
  }
  return out;
}
