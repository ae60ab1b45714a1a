import { Agent, request, type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { TestDeviceCertificate } from '@keelson/testing';

/** What a device request got back. */
export interface DeviceAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = { error: { kind: string; code: string; message: string } }>(): T;
  /** The connection it came over (the client's end). */
  socket: Socket;
  /** The TLS session was resumed from an earlier connection's (read when the answer came: a closed socket no longer says). */
  resumed: boolean;
  /** The TLS version of its connection (read when the answer came), null over plain HTTP. */
  protocol: string | null;
}

/** One HTTPS request with these options (method, headers, agent, client certificate), its whole answer read. */
export function deviceRequest(url: string, options: RequestOptions): Promise<DeviceAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const resumed = res.socket instanceof TLSSocket && res.socket.isSessionReused();
      const protocol = res.socket instanceof TLSSocket ? res.socket.getProtocol() : null;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body.toString('utf8')),
          socket: res.socket,
          resumed,
          protocol,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A GET over HTTPS as a device makes it: the platform CA pinned, and the device certificate
 * presented when the server asks for one (`identity`), or none. A fresh connection every time, so
 * each request is a handshake with exactly the identity given.
 */
export function deviceGet(url: string, ca: string, identity?: Pick<TestDeviceCertificate, 'cert' | 'key'>): Promise<DeviceAnswer> {
  return deviceRequest(url, { ca, agent: false, ...(identity ? { cert: identity.cert, key: identity.key } : {}) });
}

/**
 * A device that keeps its connection alive, as the agent does: its GETs share one TLS connection
 * while the server keeps it open; TLS 1.3 unless `maxVersion` says otherwise.
 */
export function keptAliveDevice(
  ca: string,
  identity: Pick<TestDeviceCertificate, 'cert' | 'key'>,
  maxVersion?: 'TLSv1.2',
): { get(url: string): Promise<DeviceAnswer>; close(): void } {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 1,
    ca,
    cert: identity.cert,
    key: identity.key,
    ...(maxVersion ? { maxVersion } : {}),
  });
  return { get: (url) => deviceRequest(url, { agent }), close: () => agent.destroy() };
}
