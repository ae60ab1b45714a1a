import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { requestSubject, gateway, type RequestContract } from '@keelson/requests';
import type { TestNamespace } from '@keelson/testing';

/** What the stand-in gateway knows: each fleet's CA certificates, and each device's current certificate. */
export interface GatewayKnowledge {
  cas: Record<string, string[]>;
  devices: Record<string, { fleet: string; certificateFingerprint: string; status?: 'active' | 'decommissioned' }>;
}

const notFound = (code: string) => ({ ok: false, error: { kind: 'NotFound', code, message: 'not found' } });

/**
 * Answers `cmd.gateway.get-device-ca` and `cmd.gateway.get-device-certificate` over the run's real
 * NATS from `knowledge` (which a spec may change as the gateway would: renewal, re-enrollment,
 * decommissioning). The gateway's own handlers are specced in services/device-gateway against its
 * device CA and event streams. Counts the device questions, so specs can see what the facade remembers.
 */
export function startGatewayResponder(
  nc: NatsConnection,
  naming: TestNamespace,
  knowledge: GatewayKnowledge,
): { calls: () => number; stop: () => Promise<void> } {
  let calls = 0;
  const serve = (contract: RequestContract, answer: (input: Record<string, string>) => unknown): Subscription =>
    nc.subscribe(requestSubject(naming.subjectPrefix, contract), {
      queue: 'gateway',
      callback: (_err, msg: Msg) =>
        void msg.respond(JSON.stringify(answer(contract.input.parse(JSON.parse(msg.string())) as Record<string, string>))),
    });
  const subs = [
    serve(gateway.getDeviceCa, ({ fleet }) => {
      const certificates = knowledge.cas[fleet!];
      return certificates ? { ok: true, result: { fleet, certificates } } : notFound('device-ca.not-found');
    }),
    serve(gateway.getDeviceCertificate, ({ fleet, deviceId }) => {
      calls++;
      const known = knowledge.devices[deviceId!];
      if (!known || known.fleet !== fleet) return notFound('device.not-found');
      return {
        ok: true,
        result: { fleet, deviceId, status: known.status ?? 'active', certificateFingerprint: known.certificateFingerprint },
      };
    }),
  ];
  return { calls: () => calls, stop: async () => void (await Promise.all(subs.map((s) => s.drain()))) };
}
