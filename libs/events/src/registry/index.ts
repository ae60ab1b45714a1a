export {
  DeviceAccessRefusal,
  RequestPath,
  DeviceAccessRefused,
  DeviceAccessRefusalsSuppressed,
  type RegistryEvent,
  registryEvents,
  parseRegistryEvent,
} from './device-access-events.js';
