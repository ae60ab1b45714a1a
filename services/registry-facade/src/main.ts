import { allowLongTransfers, loadServiceConfig, runService } from '@keelson/service-kit';
import { facadeAppModule } from './app.module.js';

/**
 * A rollout's wave sends thousands of devices to the facade in the same second, each opening a TLS
 * connection. Node's default backlog (511) overflows while the facade's event loop is busy: the
 * kernel drops the SYNs beyond it (`ListenOverflows` in /proc/net/netstat), and a device whose
 * retransmitted SYNs keep meeting a full queue fails its connect after ~127 s (ETIMEDOUT, seen
 * once in a 10,000-device rollout). The kernel caps this at `net.core.somaxconn` (4096 by default).
 */
const listenBacklog = 4096;

const config = loadServiceConfig('registry-facade');
// Devices authenticate with their certificate (mutual TLS); checked per request in device-access/.
// The internal routes (the api's uploads) are traced, each a child of the api's request; device pulls are not.
allowLongTransfers(
  await runService(facadeAppModule(config), config, { requestClientCertificate: true, listenBacklog, serverSpans: '/internal/' }),
);
