import { allowLongTransfers, loadServiceConfig, runService } from '@keelson/service-kit';
import { facadeAppModule } from './app.module.js';

const config = loadServiceConfig('registry-facade');
allowLongTransfers(await runService(facadeAppModule(config), config));
