import { loadServiceConfig, runService } from '@keelson/service-kit';
import { facadeAppModule } from './app.module.js';
import { tuneHttpServer } from './http/http-server.js';

const config = loadServiceConfig('registry-facade');
tuneHttpServer(await runService(facadeAppModule(config), config));
