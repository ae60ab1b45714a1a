import { loadServiceConfig, runService } from '@keelson/service-kit';
import { facadeAppModule } from './app.module.js';

const config = loadServiceConfig('registry-facade');
await runService(facadeAppModule(config), config);
