import { Controller, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { gateway, type RequestOutput, type ParsedRequestInput } from '@keelson/requests';
import { NotFound } from '@keelson/domain-kit';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { RequestPattern, NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { Devices } from '../devices/devices.js';
import { DeviceCertificateAuthority } from './device-ca.js';

/** What relying parties need to authenticate devices by certificate: the CA and each device's current certificate. */
@Controller()
export class DeviceTrustRequests {
  private readonly devices: Devices;

  constructor(
    @Inject(NATS) nc: NatsConnection,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(DeviceCertificateAuthority) private readonly ca: DeviceCertificateAuthority,
  ) {
    this.devices = new Devices(
      new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }),
    );
  }

  /**
   * `cmd.gateway.get-device-ca`: the fleet's CA certificate, public part only. A fleet without a CA
   * is NotFound: a relying party naming any fleet must not make the gateway create a CA for it.
   */
  @RequestPattern(gateway.getDeviceCa)
  async getDeviceCa({ fleet }: ParsedRequestInput<typeof gateway.getDeviceCa>): Promise<RequestOutput<typeof gateway.getDeviceCa>> {
    const cert = await this.ca.existingCaCertificate(fleet);
    if (!cert) throw new NotFound('device-ca', fleet);
    return { fleet, certificates: [cert.toString('pem')] };
  }

  /**
   * `cmd.gateway.get-device-certificate`: the fingerprint of the device's latest certificate, read
   * from its own stream (not a projection), so a certificate the gateway just issued by renewal or
   * re-enrollment is current for the next request that presents it.
   */
  @RequestPattern(gateway.getDeviceCertificate)
  async getDeviceCertificate({
    fleet,
    deviceId,
  }: ParsedRequestInput<typeof gateway.getDeviceCertificate>): Promise<RequestOutput<typeof gateway.getDeviceCertificate>> {
    const device = await this.devices.current(fleet, deviceId);
    if (device.status === 'absent') throw new NotFound('device', deviceId);
    return { fleet, deviceId, status: device.status, certificateFingerprint: device.certificateFingerprint };
  }
}
