import type { NatsUser } from '../nats-config.js';
import type { PlatformService } from './platform-services.js';
import { access, deviceInbox, eventStreams, telemetryMetrics, type StreamKey } from './service-access.js';

/** What one service's NATS user may publish and subscribe to, and whether it may answer requests. */
export interface ServicePermissions {
  publish: string[];
  subscribe: string[];
  /** Lets the user publish the reply of a request it received (once), wherever the reply goes. */
  allowResponses: boolean;
}

/** Stream and subject prefixes, as `EventStoreNaming` of libs/event-store has them (empty in production). */
export interface Naming {
  streamPrefix: string;
  subjectPrefix: string;
}

/** JetStream API subjects to read a stream: info, its consumers (create, info, delete, pull), direct gets, the leader's get, and acks.
 *  nats.js creates a consumer with several filter subjects through the older DURABLE.CREATE subject, or,
 *  an ephemeral one (an ordered consumer of typed subjects), through CONSUMER.CREATE.<stream> alone. */
function readStream(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.*.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.MSG.GET.${stream}`, // the leader's last event of an aggregate (libs/event-store consistent-read.ts)
    `$JS.ACK.${stream}.>`,
  ];
}

/**
 * The service's bucket of runner leases (`leases-<service>`, libs/service-kit): create or update it,
 * read and write its keys (direct gets; compare-and-set publishes on `$KV.<bucket>.<key>`).
 */
function leaseBucket(service: PlatformService, streamPrefix: string): string[] {
  const bucket = `${streamPrefix}leases-${service}`;
  const stream = `KV_${bucket}`;
  const api = ['INFO', 'CREATE', 'UPDATE'].map((op) => `$JS.API.STREAM.${op}.${stream}`);
  return [...api, `$JS.API.DIRECT.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}.>`, `$KV.${bucket}.>`];
}

const uniq = (xs: string[]): string[] => [...new Set(xs)];

/**
 * The permissions of one service's NATS user under `naming` (empty prefixes on a real installation,
 * per-run prefixes in tests). Publishing an event is publishing on its stream's subjects, so a
 * service can write only its own streams; the JetStream API is granted per stream name.
 */
export function servicePermissions(service: PlatformService, naming: Naming): ServicePermissions {
  const a = access[service];
  const { streamPrefix: sp, subjectPrefix: p } = naming;
  const streamName = (key: StreamKey) => `${sp}${eventStreams[key].name}`;
  const publish = ['$JS.API.INFO'];
  const subscribe = ['_INBOX.>'];
  for (const key of a.owns) publish.push(...eventStreams[key].subjects.map((s) => `${p}${s}`));
  for (const key of [...a.owns, ...a.reads]) publish.push(...readStream(streamName(key)));
  for (const key of a.declares) publish.push(`$JS.API.STREAM.CREATE.${streamName(key)}`, `$JS.API.STREAM.UPDATE.${streamName(key)}`);
  for (const key of a.createsMissing) publish.push(`$JS.API.STREAM.CREATE.${streamName(key)}`);
  publish.push(...leaseBucket(service, sp));
  if (a.serves) subscribe.push(`${p}cmd.${a.serves}.>`);
  for (const call of a.calls) publish.push(call.includes('.') ? `${p}cmd.${call}` : `${p}cmd.${call}.>`);
  if (service === 'device-gateway') {
    const inbox = `${sp}${deviceInbox.name}`;
    publish.push(...readStream(inbox), `$JS.API.STREAM.CREATE.${inbox}`, `$JS.API.STREAM.UPDATE.${inbox}`);
    publish.push(`${p}keelson.cmd.*.desired`); // desired state to each device's MQTT session
    subscribe.push(`${p}keelson.dev.*.heartbeat`, `${p}keelson.dev.*.progress`, '$SYS.REQ.USER.AUTH'); // live heartbeats and steps; the broker's auth callout
    publish.push(`${p}live.device-progress.>`); // the steps, relayed to the rollout's watchers
    // Devices' metric windows: taken live, checked, appended to the telemetry stream it declares (pub acks come on _INBOX).
    const metrics = `${sp}${telemetryMetrics.name}`;
    subscribe.push(`${p}keelson.dev.*.metrics`);
    publish.push(
      ...telemetryMetrics.subjects.map((s) => `${p}${s}`),
      `$JS.API.STREAM.INFO.${metrics}`,
      `$JS.API.STREAM.CREATE.${metrics}`,
      `$JS.API.STREAM.UPDATE.${metrics}`,
    );
  }
  if (service === 'rollout-orchestrator') {
    // Experiments judge their arms on the devices' metric windows: direct gets only (no consumer, no stream info).
    publish.push(`$JS.API.DIRECT.GET.${sp}${telemetryMetrics.name}`);
    publish.push(`${p}live.experiment-look.>`); // each look as it is recorded, to the experiment's watchers
  }
  if (service === 'registry-facade') {
    // The artifacts' bytes in its object store (KEELSON_BLOB_STORE=nats): chunks and metadata under
    // $O.<bucket>, read through consumers and direct gets; a put purges the chunks it replaces.
    const bucket = `${sp}KEELSON_BLOBS`;
    const objects = `OBJ_${bucket}`;
    publish.push(`$O.${bucket}.>`, ...readStream(objects), `$JS.API.STREAM.CREATE.${objects}`, `$JS.API.STREAM.UPDATE.${objects}`);
    publish.push(`$JS.API.STREAM.MSG.GET.${objects}`, `$JS.API.STREAM.PURGE.${objects}`);
  }
  if (service === 'audit') {
    // The entries as CloudEvents, relayed to the AUDIT_EVENTS stream it declares (acks come on _INBOX).
    const auditEvents = `${sp}AUDIT_EVENTS`;
    publish.push(
      `${p}audit.ce.>`,
      `$JS.API.STREAM.INFO.${auditEvents}`,
      `$JS.API.STREAM.CREATE.${auditEvents}`,
      `$JS.API.STREAM.UPDATE.${auditEvents}`,
    );
  }
  // Devices' steps, for the rollout's live stream; the decision loop's looks, for the experiment's.
  if (service === 'api') subscribe.push(`${p}live.device-progress.>`, `${p}live.experiment-look.>`);
  return { publish: uniq(publish), subscribe: uniq(subscribe), allowResponses: a.serves !== undefined || service === 'device-gateway' };
}

/**
 * The gateway's user of the system account: it lists connections (a decommissioned device's, to close
 * them; every device's, for presence), hears the KEELSON account's closed connections, and may do
 * nothing else there (no claim updates, no server shutdown, no account reads, no other account's events).
 */
export function gatewaySystemUser(password: string): NatsUser {
  return {
    user: 'keelson-device-gateway-sys',
    password,
    allowedConnectionTypes: ['STANDARD'],
    permissions: {
      publish: ['$SYS.REQ.SERVER.PING.CONNZ', '$SYS.REQ.SERVER.*.KICK'],
      subscribe: ['_INBOX.>', '$SYS.ACCOUNT.KEELSON.DISCONNECT'],
    },
  };
}

/** The NATS user name of a service. */
export const serviceNatsUser = (service: PlatformService): string => `keelson-${service}`;

/** One NATS user per service, each limited to its permissions, with the password from the platform's secrets. */
export function serviceNatsUsers(
  services: readonly PlatformService[],
  passwords: Partial<Record<PlatformService, string>>,
  naming: Naming,
): NatsUser[] {
  return services.map((service) => {
    const password = passwords[service];
    if (!password) throw new Error(`platform secrets: natsServicePasswords.${service} is missing`);
    return {
      user: serviceNatsUser(service),
      password,
      permissions: servicePermissions(service, naming),
      allowedConnectionTypes: ['STANDARD'],
    };
  });
}
