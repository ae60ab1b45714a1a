import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { applyStream, type DeclaredStreamConfig, type EventStoreNaming, type StreamDeclaration } from '@keelson/event-store';

/**
 * Hellos and reports as the broker accepted them from devices (MQTT QoS 1), kept until the gateway
 * has turned them into events. Limits-based, not an event stream: it is input, not history.
 * Heartbeats stay out of it (high rate, low value).
 */
export const deviceInbox: StreamDeclaration = {
  name: 'DEVICE_INBOX',
  subjects: ['keelson.dev.*.hello', 'keelson.dev.*.report'],
  description: 'device-gateway: hello and report messages from devices, awaiting validation',
};

const sevenDaysNs = 7 * 24 * 3600 * 1e9;

export function deviceInboxConfig(naming: EventStoreNaming, replicas = 1): DeclaredStreamConfig {
  return {
    name: `${naming.streamPrefix}${deviceInbox.name}`,
    subjects: deviceInbox.subjects.map((s) => `${naming.subjectPrefix}${s}`),
    description: deviceInbox.description,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: sevenDaysNs,
    // A device flooding its topics can fill only its own share, never push out other devices' reports.
    max_msgs_per_subject: 10_000,
    max_msgs: -1,
    max_bytes: -1,
    num_replicas: replicas,
  };
}

/** Creates the inbox stream or brings it to the declared config (`applyStream`'s refusals apply); safe at every start. */
export async function applyDeviceInbox(jsm: JetStreamManager, naming: EventStoreNaming, replicas = 1): Promise<void> {
  await applyStream(jsm, deviceInboxConfig(naming, replicas));
}
