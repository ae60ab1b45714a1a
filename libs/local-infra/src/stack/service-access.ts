import type { PlatformService } from './platform-services.js';

/**
 * The event streams by owning service, as `eventStreams` of libs/event-store declares them. Written
 * out here because event-store's own specs run on local-infra; a drift shows as a permission
 * violation in every e2e spec.
 */
export const eventStreams = {
  registry: { name: 'EV_ARTIFACTS', subjects: ['ev.artifact.>', 'ev.registry.>'] },
  signer: { name: 'EV_TUF', subjects: ['ev.tuf.>', 'ev.signer.>'] },
  orchestrator: { name: 'EV_ROLLOUTS', subjects: ['ev.rollout.>', 'ev.channel.>', 'ev.experiment.>'] },
  gateway: { name: 'EV_DEVICES', subjects: ['ev.device.>', 'ev.group.>', 'ev.enrollment.>'] },
  api: { name: 'EV_OPERATORS', subjects: ['ev.operator.>', 'ev.apitoken.>'] },
} as const;

export type StreamKey = keyof typeof eventStreams;
/** A command family: the `<service>` token of `cmd.<service>.<name>`. */
type RequestFamily = 'registry' | 'signer' | 'gateway' | 'orchestrator' | 'audit';
/** Commands a service calls: a whole family, or one command of it (`gateway.get-device-ca`). */
type RequestCall = RequestFamily | `${RequestFamily}.${string}`;

interface ServiceAccess {
  /** Event streams the service writes (it alone). */
  owns: StreamKey[];
  /** Other services' event streams it consumes or reads. */
  reads: StreamKey[];
  /** Streams whose config it creates or updates at start (its own; the facade also declares EV_TUF before consuming it). */
  declares: StreamKey[];
  /** Streams it creates when missing but never updates (the audit starts before some owners). */
  createsMissing: StreamKey[];
  serves?: RequestFamily;
  calls: RequestCall[];
}

const allStreams = Object.keys(eventStreams) as StreamKey[];

/**
 * Who talks to whom, in one table. The api calls every family: it is the operators' front door,
 * and every operator action is a command of some service.
 */
export const access: Record<PlatformService, ServiceAccess> = {
  signer: { owns: ['signer'], reads: ['registry'], declares: ['signer'], createsMissing: [], serves: 'signer', calls: [] },
  // The facade asks the gateway only what it needs to authenticate devices by certificate.
  'registry-facade': {
    owns: ['registry'],
    reads: ['signer', 'gateway'],
    declares: ['registry', 'signer'],
    createsMissing: [],
    serves: 'registry',
    calls: ['gateway.get-device-ca', 'gateway.get-device-certificate'],
  },
  'device-gateway': {
    owns: ['gateway'],
    reads: ['signer'],
    declares: ['gateway'],
    createsMissing: [],
    serves: 'gateway',
    calls: ['signer'],
  },
  'rollout-orchestrator': {
    owns: ['orchestrator'],
    reads: ['gateway'],
    declares: ['orchestrator'],
    createsMissing: [],
    serves: 'orchestrator',
    calls: ['registry', 'gateway'],
  },
  audit: { owns: [], reads: allStreams, declares: [], createsMissing: allStreams, serves: 'audit', calls: [] },
  api: {
    owns: ['api'],
    reads: ['orchestrator', 'gateway'],
    declares: ['api'],
    createsMissing: [],
    calls: ['registry', 'signer', 'gateway', 'orchestrator', 'audit'],
  },
};

/** The gateway's own input stream of device messages (declared in services/device-gateway). */
export const deviceInbox = { name: 'DEVICE_INBOX', subjects: ['keelson.dev.*.hello', 'keelson.dev.*.report'] };
/** Devices' metric summaries as the gateway accepted them (declared in libs/event-store/src/telemetry). */
export const telemetryMetrics = { name: 'TELEMETRY_METRICS', subjects: ['tm.metrics.>'] };
