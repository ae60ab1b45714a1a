export {
  TufRole,
  RoleKeys,
  TufRepositoryInitialised,
  RootMetadataSigned,
  TargetsSigned,
  DelegatedRoleName,
  DelegatedTargetsSigned,
  SnapshotSigned,
  TimestampRenewed,
  type TufEvent,
  tufEvents,
  parseTufEvent,
} from './tuf-events.js';
