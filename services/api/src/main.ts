import { loadServiceConfig, runService } from '@keelson/service-kit';
import { apiAppModule } from './app.module.js';

const config = loadServiceConfig('api');
await runService(apiAppModule(config), config);
