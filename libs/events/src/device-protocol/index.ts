export {
  InstalledArtifact,
  DeviceHello,
  DeviceHeartbeat,
  DeviceReport,
  DeviceProgress,
  DesiredState,
  type DeviceMessage,
  deviceMessages,
  parseDeviceMessage,
} from './device-messages.js';
export { DesiredStateAsRead, messagesOnDevice, parseMessageOnDevice } from './device-side-reading.js';
export { RenewRequest, RenewResponse, renewalProofMessage } from './certificate-renewal.js';
export {
  DeviceMetrics,
  WireMetricSummary,
  WireSketch,
  MetricName,
  maxMetricsPerWindow,
  maxSketchBins,
  maxDeviceMetricsBytes,
} from './device-metrics.js';
