import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ensureLocalTls, type LocalTls } from '@keelson/local-infra';
import type { KeyedRepository } from '@keelson/tuf/testing';

export interface FakeFacade {
  url: string;
  /** The CA of the facade's server certificate (PEM): what an enrolled device keeps as `platform-ca.pem`. */
  ca: string;
  /** Paths requested, with the device that asked (`-` when its certificate was refused or missing). */
  requests: { deviceId: string; path: string }[];
  /** The next this-many requests get 503, as from a facade that is restarting. */
  unavailable: number;
  close(): Promise<void>;
}

/** The device a client certificate belongs to, or null to refuse it (401). */
export type DeviceOfCertificate = (cert: X509Certificate | undefined) => Promise<string | null>;

const deviceUri = /^URI:urn:keelson:device:([a-z0-9-]+):([a-z0-9-]+)$/;

/** Accepts certificates that `caPem` issued to a device of `fleet` (the facade's checks, less the gateway's word on which is current). */
export function issuedBy(caPem: string | string[], fleet: string): DeviceOfCertificate {
  const cas = [caPem].flat().map((pem) => new X509Certificate(pem));
  return async (cert) => {
    if (!cert || !cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) return null;
    const match = deviceUri.exec(cert.subjectAltName ?? '');
    return match && match[1] === fleet ? match[2]! : null;
  };
}

/**
 * The device-facing half of the registry facade, for agent specs: serves a fleet's TUF metadata and
 * targets from a `KeyedRepository` over real HTTPS that asks for a client certificate (mutual
 * TLS), and answers only the devices `deviceOf` accepts. `tls`: the server certificate to use (a
 * platform's), else one from a local CA of its own.
 */
export async function startFakeFacade(
  fleet: string,
  repo: KeyedRepository,
  deviceOf: DeviceOfCertificate,
  tls?: LocalTls,
): Promise<FakeFacade> {
  const ownTls = tls ? undefined : mkdtempSync(join(tmpdir(), 'keelson-fake-facade-'));
  const serverTls = tls ?? (await ensureLocalTls(ownTls!));
  const requests: FakeFacade['requests'] = [];
  const options = {
    cert: readFileSync(serverTls.certFile),
    key: readFileSync(serverTls.keyFile),
    requestCert: true,
    rejectUnauthorized: false,
  };
  const server: Server = createServer(options, (req, res) => {
    void (async () => {
      if (facade.unavailable > 0) {
        facade.unavailable -= 1;
        res.writeHead(503).end();
        return;
      }
      const path = decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname);
      const deviceId = await deviceOf((req.socket as TLSSocket).getPeerX509Certificate());
      if (!deviceId) {
        requests.push({ deviceId: '-', path });
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { kind: 'Unauthorized', code: 'device.certificate-required', message: 'who are you?' } }));
        return;
      }
      requests.push({ deviceId, path });
      const tuf = `/v1/fleets/${fleet}/tuf/`;
      const targets = `/v1/fleets/${fleet}/targets/`;
      const body = path.startsWith(tuf)
        ? repo.metadata.get(path.slice(tuf.length))
        : path.startsWith(targets)
          ? repo.blobs.get(path.slice(targets.length))
          : undefined;
      if (!body) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { kind: 'NotFound', code: 'not-found', message: path } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const facade: FakeFacade = {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: serverTls.caPem,
    requests,
    unavailable: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          if (ownTls) rmSync(ownTls, { recursive: true, force: true });
          resolve();
        });
      }),
  };
  return facade;
}
