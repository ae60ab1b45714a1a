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
