import { ServiceError } from '@keelson/service-kit';
import { HttpFailure } from '../http/http-failure.js';
import { DeviceAuthenticator, type AuthenticatedDevice } from './device-authenticator.js';

const basic = (deviceId: string, password: string) => `Basic ${Buffer.from(`${deviceId}:${password}`).toString('base64')}`;

/** A gateway in memory: the same answers as cmd.gateway.authenticate-device, and a log of what it was asked. */
function gatewayOf(devices: Record<string, { fleet: string; password: string; revoked?: boolean }>) {
  const asked: string[] = [];
  const check = async (deviceId: string, password: string): Promise<AuthenticatedDevice> => {
    asked.push(deviceId);
    const d = devices[deviceId];
    if (!d || d.revoked || d.password !== password) throw new ServiceError('Unauthorized', 'device.unauthenticated', 'not accepted');
    return { fleet: d.fleet, deviceId };
  };
  return { asked, check, devices };
}

describe('DeviceAuthenticator', () => {
  let now = new Date('2026-11-23T10:00:00.000Z');
  const clock = { now: () => now };
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));

  it('asks the gateway once per device while a success is fresh, again once it is 30 s old', async () => {
    const gw = gatewayOf({ 'd-1': { fleet: 'plant-7', password: 'pw-1' } });
    const auth = new DeviceAuthenticator({ check: gw.check, clock });
    for (let i = 0; i < 3; i++) await expect(auth.authenticate(basic('d-1', 'pw-1'))).resolves.toEqual({ fleet: 'plant-7', deviceId: 'd-1' });
    expect(gw.asked).toEqual(['d-1']);
    advance(30_001);
    await auth.authenticate(basic('d-1', 'pw-1'));
    expect(gw.asked).toEqual(['d-1', 'd-1']);
  });

  it('never answers a different password from memory, and remembers no failure', async () => {
    const gw = gatewayOf({ 'd-1': { fleet: 'plant-7', password: 'pw-1' } });
    const auth = new DeviceAuthenticator({ check: gw.check, clock });
    await auth.authenticate(basic('d-1', 'pw-1'));
    await expect(auth.authenticate(basic('d-1', 'guess'))).rejects.toMatchObject({ code: 'device.unauthenticated' });
    await expect(auth.authenticate(basic('d-2', 'pw-2'))).rejects.toMatchObject({ code: 'device.unauthenticated' });
    gw.devices['d-2'] = { fleet: 'plant-7', password: 'pw-2' }; // enrolled a moment later
    await expect(auth.authenticate(basic('d-2', 'pw-2'))).resolves.toEqual({ fleet: 'plant-7', deviceId: 'd-2' });
    expect(gw.asked).toEqual(['d-1', 'd-1', 'd-2', 'd-2']);
  });

  it('refuses a revoked device once its remembered success has expired', async () => {
    const gw = gatewayOf({ 'd-1': { fleet: 'plant-7', password: 'pw-1' } });
    const auth = new DeviceAuthenticator({ check: gw.check, clock, ttlMs: 1_000 });
    await auth.authenticate(basic('d-1', 'pw-1'));
    gw.devices['d-1']!.revoked = true;
    advance(1_001);
    await expect(auth.authenticate(basic('d-1', 'pw-1'))).rejects.toBeInstanceOf(ServiceError);
  });

  it('refuses without asking when there are no Basic credentials, and 403s a device of another fleet', async () => {
    const gw = gatewayOf({ 'd-9': { fleet: 'plant-9', password: 'pw-9' } });
    const auth = new DeviceAuthenticator({ check: gw.check, clock });
    await expect(auth.authenticate(undefined)).rejects.toMatchObject({ kind: 'Unauthorized', code: 'device.unauthenticated' });
    await expect(auth.authenticate('Bearer abc')).rejects.toMatchObject({ code: 'device.unauthenticated' });
    expect(gw.asked).toEqual([]);
    const refusal = await auth.admit(basic('d-9', 'pw-9'), 'plant-7').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(HttpFailure);
    expect((refusal as HttpFailure).status).toBe(403);
    await expect(auth.admit(basic('d-9', 'pw-9'), 'plant-9')).resolves.toEqual({ fleet: 'plant-9', deviceId: 'd-9' });
  });

  it('asks the gateway again at once for a device it was told to forget (decommissioned, re-enrolled)', async () => {
    const gw = gatewayOf({ 'd-1': { fleet: 'plant-7', password: 'pw-1' } });
    const auth = new DeviceAuthenticator({ check: gw.check, clock });
    await auth.authenticate(basic('d-1', 'pw-1'));
    gw.devices['d-1']!.revoked = true;
    auth.forget('d-1');
    await expect(auth.authenticate(basic('d-1', 'pw-1'))).rejects.toMatchObject({ code: 'device.unauthenticated' });
    expect(gw.asked).toEqual(['d-1', 'd-1']);
  });

  it('does not remember a success the gateway gave before the device was forgotten', async () => {
    let answer!: () => void;
    const gw = gatewayOf({ 'd-1': { fleet: 'plant-7', password: 'pw-1' } });
    const slow = async (deviceId: string, password: string) => {
      await new Promise<void>((r) => (answer = r));
      return gw.check(deviceId, password);
    };
    const auth = new DeviceAuthenticator({ check: slow, clock });
    const inFlight = auth.authenticate(basic('d-1', 'pw-1'));
    auth.forget('d-1');
    answer();
    await inFlight;
    gw.devices['d-1']!.revoked = true;
    const next = auth.authenticate(basic('d-1', 'pw-1'));
    answer();
    await expect(next).rejects.toMatchObject({ code: 'device.unauthenticated' });
  });
});
