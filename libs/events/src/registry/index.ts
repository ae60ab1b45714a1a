export {
  DeviceAccessRefusal,
  RequestPath,
  DeviceAccessRefused,
  DeviceAccessRefusalsSuppressed,
  type RegistryEvent,
  registryEvents,
  parseRegistryEvent,
} from './device-access-events.js';
export {
  RegistryUrl,
  RealmOrigin,
  CaCertificatePem,
  RegistryConnected,
  RegistryCredentialsRotated,
  RegistryRemoved,
  type RegistryConnectionEvent,
  registryConnectionEvents,
  parseRegistryConnectionEvent,
} from './registry-connection-events.js';
