import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Device messages dropped without effect, by reason (`not-json`, `invalid`, `device-mismatch`, ...). */
export const droppedDeviceMessages = (): Counter<string> =>
  counter('keelson_device_messages_dropped_total', 'Device messages dropped without effect, by reason', ['reason']);

/** Device messages handled, by type (`hello`, `heartbeat`, `report`). */
export const handledDeviceMessages = (): Counter<string> =>
  counter('keelson_device_messages_handled_total', 'Device messages the gateway acted on, by type', ['type']);
