export {
  InstalledArtifact,
  DeviceHello,
  DeviceHeartbeat,
  DeviceReport,
  DesiredState,
  type DeviceMessage,
  deviceMessages,
  parseDeviceMessage,
} from './device-messages.js';
export { RenewRequest, RenewResponse, renewalProofMessage } from './certificate-renewal.js';
