export { AbsolutePath, ExecProbe, HttpProbe, FileProbe, Probe } from './probe.js';
export { Wave, Strategy, FailureRate, coveredBy, defaultDeviceTimeoutSeconds, deviceTimeoutSecondsOf, waveOfIndex } from './strategy.js';
export { ArtifactRef, Assignment, maxAssignments, installAssignmentId, revertAssignmentId } from './assignment.js';
export { SelectorText, DeviceMisfit, InactiveDevice, SupersededRollout, rolloutTargeting } from './rollout-targeting.js';
export {
  RolloutCreated,
  WaveStarted,
  WaveAwaitingApproval,
  WaveApproved,
  DeviceOutcomeRecorded,
  DeviceExcluded,
  RolloutHalted,
  RolloutResumed,
  RolloutAborted,
  RolloutFinished,
  type RolloutEvent,
  rolloutEvents,
  parseRolloutEvent,
} from './rollout-events.js';
export {
  RolloutTargetsAdded,
  chunkDeviceIds,
  fitsOneEvent,
  deviceIdsBytesPerEvent,
  maxRolloutDevices,
  maxRolloutEventBytes,
} from './target-chunks.js';
export {
  DevicesAssigned,
  DeviceTimedOut,
  LateDeviceReportRecorded,
  DeviceReachabilityNoted,
  DeviceRevertTimedOut,
} from './in-flight-events.js';
export {
  type TalliedRecord,
  type DeviceStanding,
  type DeviceTally,
  hasFailed,
  isLiveTarget,
  isUnfinished,
  isInFlight,
  isUnreachableInFlight,
  isWaitedFor,
  takesOutcome,
  standingOf,
  withReport,
  getsRevert,
  revertOutcomeOf,
  counted,
  emptyTally,
} from './device-tally.js';
