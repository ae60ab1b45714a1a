import { loadServiceConfig, runService } from '@keelson/service-kit';
import { orchestratorAppModule } from './app.module.js';

const config = loadServiceConfig('rollout-orchestrator');
await runService(orchestratorAppModule(config), config);
