import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { commandSubject, gateway } from '@keelson/commands';
import type { TestNamespace } from '@keelson/testing';

/** Devices the stand-in gateway knows: id -> fleet and password. */
export type KnownDevices = Record<string, { fleet: string; password: string }>;

/**
 * Answers `cmd.gateway.authenticate-device` over the run's real NATS, as the gateway does (the
 * gateway's own handler is specced in services/device-gateway against its credentials table); it
 * counts the requests so specs can see what the facade remembers.
 */
export function startGatewayResponder(nc: NatsConnection, naming: TestNamespace, devices: KnownDevices): { calls: () => number; stop: () => Promise<void> } {
  let calls = 0;
  const sub: Subscription = nc.subscribe(commandSubject(naming.subjectPrefix, gateway.authenticateDevice), {
    queue: 'gateway',
    callback: (_err, msg) => {
      calls++;
      const input = gateway.authenticateDevice.input.parse(JSON.parse(msg.string()));
      const known = devices[input.deviceId];
      const reply = known && known.password === input.password
        ? { ok: true, result: { fleet: known.fleet, deviceId: input.deviceId } }
        : { ok: false, error: { kind: 'Unauthorized', code: 'device.unauthenticated', message: 'the device credentials were not accepted' } };
      msg.respond(JSON.stringify(reply));
    },
  });
  return { calls: () => calls, stop: () => sub.drain() };
}
