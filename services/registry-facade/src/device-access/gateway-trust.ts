import type { NatsConnection } from '@nats-io/transport-node';
import { gateway, type RequestContract } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import { sendRequest, newContext } from '@keelson/service-kit';
import type { CurrentCertificate } from './device-certificate-check.js';

const asFacade = () => newContext({ kind: 'service', id: 'registry-facade' });

/** The answer, or null when the gateway says NotFound with `notFoundCode`; other failures (gateway down: Unavailable) propagate. */
async function orNull<T>(call: Promise<T>, notFoundCode: string): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === notFoundCode) return null;
    throw err;
  }
}

/** What the facade asks the gateway to authenticate devices: each fleet's device CA and each device's current certificate. */
export function gatewayTrust(nc: NatsConnection, naming: EventStoreNaming) {
  const call = <C extends RequestContract>(contract: C, input: Parameters<typeof sendRequest<C>>[3]) =>
    sendRequest(nc, naming, contract, input, asFacade(), { timeoutMs: 5_000 });
  return {
    caCertificatesOf: async (fleet: string): Promise<string[] | null> =>
      (await orNull(call(gateway.getDeviceCa, { fleet }), 'device-ca.not-found'))?.certificates ?? null,
    currentOf: async (fleet: string, deviceId: string): Promise<CurrentCertificate | null> => {
      const answer = await orNull(call(gateway.getDeviceCertificate, { fleet, deviceId }), 'device.not-found');
      return answer && { status: answer.status, certificateFingerprint: answer.certificateFingerprint };
    },
  };
}
