import { RetentionPolicy, StorageType, DiscardPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { applyStream, type ApplyStreamOptions, type DeclaredStreamConfig } from './apply-stream.js';
import type { EventStoreNaming } from './naming.js';

/** One service's event stream: the service is its only writer. */
export interface StreamDeclaration {
  /** Unprefixed stream name, e.g. `EV_ROLLOUTS`. */
  name: string;
  /** Unprefixed subjects, e.g. `['ev.rollout.>', 'ev.channel.>']`. */
  subjects: string[];
  description: string;
  /**
   * Aggregates whose events are stored on `ev.<aggregate>.<fleet>.<id>.<EventType>` (see
   * `typed-subjects.ts`), so that consumers filter by type on the broker.
   */
  typedAggregates?: readonly string[];
}

/** Every event stream Keelson has, by owning service (DESIGN: one stream per owning service). */
export const eventStreams = {
  registry: {
    name: 'EV_ARTIFACTS',
    subjects: ['ev.artifact.>', 'ev.registry.>'],
    description: 'registry-facade: artifacts and registry connections',
  },
  signer: {
    name: 'EV_TUF',
    subjects: ['ev.tuf.>', 'ev.signer.>'],
    description: 'signer: TUF repositories (ev.tuf) and its key-secret rotations (ev.signer)',
  },
  orchestrator: {
    name: 'EV_ROLLOUTS',
    subjects: ['ev.rollout.>', 'ev.channel.>', 'ev.experiment.>'],
    description: 'rollout-orchestrator: rollouts, channels, experiments',
  },
  gateway: {
    name: 'EV_DEVICES',
    subjects: ['ev.device.>', 'ev.group.>', 'ev.enrollment.>'],
    description: 'device-gateway: devices, groups, enrollment tokens',
    typedAggregates: ['device'],
  },
  api: { name: 'EV_OPERATORS', subjects: ['ev.operator.>', 'ev.apitoken.>'], description: 'api: operator accounts and API tokens' },
} as const satisfies Record<string, StreamDeclaration>;

export interface ApplyStreamsOptions {
  /** 1 on a single node, 3 in a cluster. */
  replicas?: number;
  /** How long JetStream remembers a Nats-Msg-Id for de-duplication. */
  duplicateWindowMs?: number;
}

/** The stream config of an event stream: nothing ever expires, is deleted or purged. */
export function eventStreamConfig(naming: EventStoreNaming, decl: StreamDeclaration, opts: ApplyStreamsOptions = {}): DeclaredStreamConfig {
  return {
    name: `${naming.streamPrefix}${decl.name}`,
    subjects: decl.subjects.map((s) => `${naming.subjectPrefix}${s}`),
    description: decl.description,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    num_replicas: opts.replicas ?? 1,
    duplicate_window: (opts.duplicateWindowMs ?? 120_000) * 1_000_000,
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
    allow_direct: true, // loads read a subject with direct batch gets, no consumer per load
    allow_atomic: true, // the events of one decision land in one atomic batch (nats-server >= 2.12)
  };
}

/**
 * Creates missing streams and updates existing ones to the declared config (`applyStream`: refuses a
 * stream of another replica count or a newer release's). Safe to run at every start.
 */
export async function applyStreams(
  jsm: JetStreamManager,
  naming: EventStoreNaming,
  decls: readonly StreamDeclaration[],
  opts: ApplyStreamsOptions & ApplyStreamOptions = {},
): Promise<void> {
  for (const decl of decls) await applyStream(jsm, eventStreamConfig(naming, decl, opts), opts);
}
