import { loadServiceConfig, runService } from '@keelson/service-kit';
import { signerAppModule } from './app.module.js';

const config = loadServiceConfig('signer');
await runService(signerAppModule(config), config);
