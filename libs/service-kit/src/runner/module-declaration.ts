import type { Type } from '@nestjs/common';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Projection, Reactor, ReactorRunnerOptions, RetiredProjection, StreamDeclaration } from '@keelson/event-store';
import type { Database, Migration } from '@keelson/postgres';

/** Something the module runs for the app's lifetime that is neither a projection nor a reactor (a sweep, a listener). */
export interface Worker {
  /** Names it in log lines and start errors, e.g. `timeout sweep`. */
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/**
 * How a projection or reactor runs when the service has several replicas. `single-active` (the
 * default): one replica at a time runs it, under a lease in NATS KV; the others stand by and take
 * over within seconds (a projection's writes are fenced by the lease). `partitioned`: every replica
 * pulls from the shared durable consumer, each message going to one of them, in no order across
 * replicas; only for runners whose messages are independent and idempotent (say why beside it).
 */
export type ReplicaMode = 'single-active' | 'partitioned';

/**
 * How a worker runs when the service has several replicas; every declared worker says which.
 * `single-active`: in one replica at a time, under a lease like a single-active runner (a timer whose
 * work must happen once; stopped when the lease is lost, started again when it comes back).
 * `partitioned`: in every replica, sharing the work (a queue group: each message reaches one).
 * `every-replica`: in every replica for that replica's own sake (a cache fed by a feed, an HTTP route,
 * the process's own log lines, a step its start must pass).
 */
export type WorkerReplicaMode = ReplicaMode | 'every-replica';

/** A worker in a module's declaration: it says how it runs with replicas. */
export interface DeclaredWorker extends Worker {
  replicas: WorkerReplicaMode;
}

/** A projection the runner consumes into the service's database (or `db`, when the module wraps it). */
export interface ProjectionDeclaration<E = never> {
  /** Names it in log lines, e.g. `devices read model`. */
  name: string;
  projection: Projection<E>;
  db?: Database;
  batchSize?: number;
  /** Called after the runner has logged the error (metrics). */
  onError?: (err: unknown) => void;
  replicas?: ReplicaMode;
}

/** A reactor the runner consumes; a poison message is logged unless `onPoison` takes it. */
export interface ReactorDeclaration<E = never> {
  name: string;
  reactor: Reactor<E>;
  partitionBy?: ReactorRunnerOptions<E>['partitionBy'];
  onPoison?: ReactorRunnerOptions<E>['onPoison'];
  /** Logs a failure itself instead of the runner's error line (one that is expected, say). */
  onError?: (err: unknown) => void;
  /** Messages per pull (default 50); 1 takes each message the moment it arrives. */
  batchSize?: number;
  retryDelayMs?: number;
  replicas?: ReplicaMode;
}

/** A stream another service owns and declares: this module waits for it, never creates it. */
export interface ForeignStream {
  stream: StreamDeclaration;
  /** The service that declares it, named in the waiting log line. */
  owner: string;
}

/**
 * What one Nest module owns and runs, read by the `ServiceRunner`. It starts every module in one
 * order (streams, migrations, connections, projections, reactors, request handlers) and stops in the reverse one.
 */
export interface ModuleDeclaration {
  /** Names the module in log lines and start errors, e.g. `devices`. */
  module: string;
  /** Why the module needs the service's database; set whenever it has migrations or projections. */
  database?: string;
  /** Streams this service writes; applied at start with the configured replicas. */
  streams?: StreamDeclaration[];
  /**
   * Streams of another shape than an event stream (an inbox), applied in the streams step after
   * `streams`, with the installation's replicas (`KEELSON_STREAM_REPLICAS`).
   */
  applyOtherStreams?: (jsm: JetStreamManager, replicas: number) => Promise<void>;
  /**
   * Streams of other services the module's projections, reactors and request handlers read. Those start once
   * every one of them exists (in the background: the rest of the service does not wait).
   */
  needs?: ForeignStream[];
  migrations?: Migration[];
  /** Projections this release no longer runs: their consumers and checkpoints are deleted at start. */
  retiredProjections?: RetiredProjection[];
  /**
   * Connections the service's runners share beyond its own (the gateway's system-account NATS user):
   * opened before any module's projections start, closed once every runner of every module has stopped.
   */
  connections?: Worker[];
  // Declared with `any` events: each entry was type-checked where it was built, the runner only starts it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  projections?: (ProjectionDeclaration<any> | DeclaredWorker)[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  reactors?: (ReactorDeclaration<any> | DeclaredWorker)[];
  /**
   * Controllers (also in the Nest module's `controllers`) whose `@RequestPattern` methods this module
   * answers through the `RequestServer`; served in the requests step, after the module's reactors.
   */
  requestControllers?: Type[];
}

/** A module's declarations as a Nest provider value: the runner finds every one by this class. */
export class DeclaredModule {
  constructor(readonly declarations: readonly ModuleDeclaration[]) {}
}

/** Wraps one module's declaration (or several, started in this order) so that the `ServiceRunner` finds it among the app's providers. */
export const declareModule = (...declarations: ModuleDeclaration[]): DeclaredModule => new DeclaredModule(declarations);
