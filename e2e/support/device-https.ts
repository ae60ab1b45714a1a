// The device side is the agent's own code: the same TLS trust and client certificate it uses.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  DataDirLayout,
  deviceTlsIdentity,
  platformFetch,
  type PlatformFetch,
  type PlatformRequest,
} from '../../services/agent/src/index.js';
import type { TestPlatform } from './test-platform.js';

/** The CA the platform's device-facing endpoints chain to (the harness starts the platform with TLS). */
export function platformCaOf(platform: TestPlatform): string {
  if (!platform.tls) throw new Error('this needs a platform started with TLS (the default of startTestPlatform)');
  return platform.tls.caPem;
}

/**
 * A request to the platform's device-facing HTTPS (facade, gateway) trusting the platform CA: as the
 * device whose data dir is `as` (it presents that device's certificate, mutual TLS), or as a client
 * without a certificate.
 */
export function deviceFetch(platform: TestPlatform, url: string, init: PlatformRequest & { as?: string } = {}): Promise<Response> {
  const { as, ...request } = init;
  const identity = as ? deviceTlsIdentity(new DataDirLayout(as)) : async () => undefined;
  return platformFetch(platformCaOf(platform), identity)(url, request);
}

/**
 * The device's own kept fetch (one per agent: its connection kept alive, its TLS session kept for
 * the next connection), as the agent makes it for its requests to the platform.
 */
export function deviceKeptFetch(platform: TestPlatform, dataDir: string): PlatformFetch {
  return platformFetch(platformCaOf(platform), deviceTlsIdentity(new DataDirLayout(dataDir)));
}

/**
 * Records, from now until `stop()`, whether each TLS connection this process opened to `url`'s
 * port resumed an earlier session (true) or made a full handshake (false), in the order they
 * completed. Other connections (the agents' MQTT reconnects in the same process) are left out.
 */
export function recordTlsResumptions(url: string): { readonly resumed: boolean[]; stop(): void } {
  const port = Number(new URL(url).port);
  const resumed: boolean[] = [];
  const onSocket = (message: unknown) => {
    const socket = (message as { socket: Socket }).socket as TLSSocket;
    if (!socket.encrypted) return;
    socket.once('secureConnect', () => {
      if (socket.remotePort === port) resumed.push(socket.isSessionReused());
    });
  };
  subscribe('net.client.socket', onSocket);
  return { resumed, stop: () => unsubscribe('net.client.socket', onSocket) };
}

/** The status of a pull of the fleet's `1.root.json` from the facade, as the device of `dataDir`. */
export async function facadePull(platform: TestPlatform, dataDir: string, fleet = 'default'): Promise<number> {
  const res = await deviceFetch(platform, `${platform.facadeUrl}/v1/fleets/${fleet}/tuf/1.root.json`, { as: dataDir });
  await res.body?.cancel();
  return res.status;
}
