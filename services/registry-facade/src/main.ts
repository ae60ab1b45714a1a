import { allowLongTransfers, loadServiceConfig, runService } from '@keelson/service-kit';
import { facadeAppModule } from './app.module.js';

const config = loadServiceConfig('registry-facade');
// Devices authenticate with their certificate (mutual TLS); checked per request in device-access/.
allowLongTransfers(await runService(facadeAppModule(config), config, { requestClientCertificate: true }));
