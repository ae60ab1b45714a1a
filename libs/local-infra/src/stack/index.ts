export { launchService, type LaunchServiceOptions, type RunningService } from './launch-service.js';
export { platformServices, portOffsets, type PlatformService, type PlatformSecrets } from './platform-services.js';
export { startPlatform, type PlatformOptions, type RunningPlatform } from './platform.js';
export { superviseServices, type Supervised, type Supervisor, type SupervisorOptions } from './supervisor.js';
export { generatePlatformSecrets } from './secrets.js';
export { servicePermissions, serviceNatsUser, serviceNatsUsers, type ServicePermissions } from './service-permissions.js';
export { ensureDatabase, serviceDatabaseName } from './databases.js';
export { localServiceEnv } from './local-service-env.js';
export {
  natsEnvironment,
  natsMemoryLimit,
  semiSpaceMiBByService,
  semiSpaceMiBOf,
  serviceNodeArgs,
  serviceSemiSpaceMiB,
} from './memory-settings.js';
export { startTcpProxy, type TcpProxy, type TcpProxyOptions } from './tcp-proxy.js';
