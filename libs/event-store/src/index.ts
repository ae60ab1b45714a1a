export { type EventStoreNaming, productionNaming, aggregateSubject, assertSubjectToken } from './naming.js';
export { type StreamDeclaration, eventStreams, eventStreamConfig, applyStreams, type ApplyStreamsOptions } from './streams.js';
export {
  applyStream,
  StreamConfigRefused,
  streamSchemaVersion,
  streamSchemaKey,
  type ApplyStreamOptions,
  type DeclaredStreamConfig,
} from './apply-stream.js';
export {
  type Actor,
  type EventMetadata,
  eventHeaders,
  readEventMetadata,
  eventId,
  headerNames,
  parseActor,
  isMetadataId,
} from './headers.js';
export { appendEvents, type AppendResult, type AppendTarget } from './append.js';
export { typedSubject, typedFilterSubjects, isTypedAggregateSubject } from './typed-subjects.js';
export { readSubject } from './load.js';
export { type HandledTypes, type HandlersByType, reactorHandlers, projectionHandlers } from './handled-types.js';
export { EventStore, type RecordedEvent, type LoadedStream, type EventStoreOptions, type LoadOptions } from './event-store.js';
export { StaleReadError } from './consistent-read.js';
export { AggregateCache, type CachedAggregate, loadAggregate } from './aggregate-cache.js';
export { handleCommand, type HandleCommandInput, type CommandOutcome } from './handle-command.js';
export {
  type Projection,
  ProjectionRunner,
  type ProjectionRunnerOptions,
  projectionMigrations,
  readCheckpoint,
  type DeadLetter,
  retireProjections,
  type RetiredProjection,
  type WriteFence,
  FencedOut,
  FENCED_IDLE_MS,
} from './projection/index.js';
export { type Reactor, ReactorRunner, type ReactorRunnerOptions } from './reactor/index.js';
export { waitForStream } from './wait-for-stream.js';
export { LogWriter } from './log-writer.js';
export { lazyJetStreamManager } from './jetstream-manager.js';
export { activeTraceparent, endAfter, inConsumerSpan, traceContextOf, withTraceFields } from './tracing/event-spans.js';
export * from './telemetry/index.js';
