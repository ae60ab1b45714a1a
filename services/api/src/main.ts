import { allowLongTransfers, loadServiceConfig } from '@keelson/service-kit';
import { createApiApp } from './api-app.js';

const config = loadServiceConfig('api');
const app = await createApiApp(config);
// Uploads stream through the api to the facade: a large model must not hit Node's 5-minute request limit.
allowLongTransfers(app);
await app.listen(config.httpPort, config.httpHost);
// The line launchers wait for, as runService (libs/service-kit) prints it.
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
process.stdout.write(`${JSON.stringify({ event: 'listening', service: config.service, url })}\n`);
