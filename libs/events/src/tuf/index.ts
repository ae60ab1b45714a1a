export {
  TufRole,
  RoleKeys,
  TufRepositoryInitialised,
  RootMetadataSigned,
  TargetsSigned,
  SnapshotSigned,
  TimestampRenewed,
  type TufEvent,
  tufEvents,
  parseTufEvent,
} from './tuf-events.js';
