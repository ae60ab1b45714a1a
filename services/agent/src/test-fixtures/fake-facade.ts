import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestTufRepository } from './tuf-repository.js';

export interface FakeFacade {
  url: string;
  /** Paths requested, with the device that asked (`-` when the credentials were refused). */
  requests: { deviceId: string; path: string }[];
  /** The next this-many requests get 503, as from a facade that is restarting. */
  unavailable: number;
  close(): Promise<void>;
}

/**
 * The device-facing half of the registry facade, for agent specs: serves a fleet's TUF metadata and
 * targets from a `TestTufRepository` over real HTTP, behind HTTP Basic `deviceId:password` checked
 * by `authenticate` (a fixed table, or the real gateway's `authenticate-device` command).
 */
export async function startFakeFacade(fleet: string, repo: TestTufRepository, authenticate: (deviceId: string, password: string) => Promise<boolean>): Promise<FakeFacade> {
  const requests: FakeFacade['requests'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (facade.unavailable > 0) {
        facade.unavailable -= 1;
        res.writeHead(503).end();
        return;
      }
      const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
      const [deviceId = '', password = ''] = scheme === 'Basic' && encoded ? Buffer.from(encoded, 'base64').toString('utf8').split(':') : [];
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (!deviceId || !(await authenticate(deviceId, password))) {
        requests.push({ deviceId: '-', path });
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { kind: 'Unauthorized', code: 'device.unauthenticated', message: 'who are you?' } }));
        return;
      }
      requests.push({ deviceId, path });
      const tuf = `/v1/fleets/${fleet}/tuf/`;
      const targets = `/v1/fleets/${fleet}/targets/`;
      const body = path.startsWith(tuf) ? repo.metadata.get(path.slice(tuf.length)) : path.startsWith(targets) ? repo.blobs.get(path.slice(targets.length)) : undefined;
      if (!body) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { kind: 'NotFound', code: 'not-found', message: path } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const facade: FakeFacade = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    unavailable: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return facade;
}
