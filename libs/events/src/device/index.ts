export { DeviceState, TerminalDeviceState, StepDeviceState, StepTimes, isTerminalDeviceState } from './device-state.js';
export {
  DeviceEnrolled,
  DeviceDecommissioned,
  DeviceReachabilityChanged,
  DeviceReportedProgress,
  DesiredStateChanged,
  DeviceCertificateRenewed,
  DeviceReenrolled,
  type DeviceEvent,
  deviceEvents,
  parseDeviceEvent,
} from './device-events.js';
export { LiveDeviceProgress, liveProgressSubject } from './live-progress.js';
