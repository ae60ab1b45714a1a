export { defineMessage, type Message, type MessageSchema } from './kit/define-message.js';
export { MessageRegistry, readersOf, type MessageReaders, type Reader } from './kit/registry.js';
export { parseOrThrow, toInputIssues } from './kit/parse-or-throw.js';
export {
  SubjectToken,
  IsoTime,
  Sha256Hex,
  SemverLike,
  ArtifactName,
  ArtifactKind,
  TargetPath,
  ByteLength,
  DisplayName,
  Reason,
  Labels,
  JsonObject,
  DeviceIds,
  Actor,
  Traceparent,
} from './kit/tokens.js';
export { Accelerator, Architecture, DeviceHardware } from './kit/hardware.js';
export * from './artifact/index.js';
export * from './tuf/index.js';
export * from './device/index.js';
export * from './group/index.js';
export * from './enrollment/index.js';
export * from './rollout/index.js';
export * from './channel/index.js';
export * from './experiment/index.js';
export * from './operator/index.js';
export * from './registry/index.js';
export * from './audit/index.js';
export * from './device-protocol/index.js';
export { type KeelsonEvent, type KeelsonEventType, allEvents, allEventTypes, parseEvent } from './all-events.js';
export { wireSchemas } from './json-schema/wire-schemas.js';
