import { loadServiceConfig, runService } from '@keelson/service-kit';
import { gatewayAppModule } from './app.module.js';

const config = loadServiceConfig('device-gateway');
await runService(gatewayAppModule(config), config);
