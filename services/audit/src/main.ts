import { loadServiceConfig, runService } from '@keelson/service-kit';
import { auditAppModule } from './app.module.js';

const config = loadServiceConfig('audit');
await runService(auditAppModule(config), config);
