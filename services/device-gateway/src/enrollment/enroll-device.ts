import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidInput } from '@keelson/domain-kit';
import { handleCommand, type EventMetadata, type EventStore } from '@keelson/event-store';
import { parseOrThrow, type DeviceEvent, type GroupEvent } from '@keelson/events';
import type { Clock } from '@keelson/service-kit';
import type { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { mintDevicePassword } from '../credentials/device-password.js';
import { verifyCsr, type VerifiedCsr } from '../device-ca/csr.js';
import type { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import { EnrollmentRefusedError, refusalMessages } from './enrollment-refused.error.js';
import { claimedFleetOf, readEnrollmentToken } from './enrollment-token-string.js';
import { Devices } from '../devices/devices.js';
import { groupDecider } from '../groups/group.decider.js';
import type { CheckedToken, EnrollmentTokens } from './enrollment-tokens.js';
import { enrollmentAttempts } from './enrollment.metrics.js';
import { EnrollRequest, type EnrollResponse } from './enroll-request.js';
import type { RefusalLog } from './refusal-log.js';

export interface DeviceEnrollmentDeps {
  tokens: EnrollmentTokens;
  ca: DeviceCertificateAuthority;
  devices: EventStore<DeviceEvent>;
  /** The group a token names takes the device it enrolled in (`ev.group.<fleet>.<groupId>`). */
  groups: EventStore<GroupEvent>;
  credentials: DeviceCredentialsStore;
  /** The fleet's current signed root (the signer's `get-root`). */
  rootOf(fleet: string, correlationId: string): Promise<Record<string, unknown>>;
  clock: Clock;
  mqttUrl: string;
  topicRoot: string;
  facadeUrl: string;
  /** Where refusals no token can hold (unknown, malformed) are audited. */
  refusals?: RefusalLog;
  onError?: (err: unknown) => void;
}

const gateway = { kind: 'system', id: 'device-gateway' } as const;

/**
 * Turns a token and a CSR into an enrolled device. The token is checked before any slow or lasting
 * work, and used up only once the root and the certificate are in hand, so a failing signer does
 * not burn a token. Refusals are recorded on the token; nothing else is created for them.
 */
export class DeviceEnrollment {
  private readonly attempts = enrollmentAttempts();

  private readonly deviceAggregate: Devices;

  constructor(private readonly d: DeviceEnrollmentDeps) {
    this.deviceAggregate = new Devices(d.devices);
  }

  async enroll(body: unknown, correlationId: string = randomUUID()): Promise<EnrollResponse> {
    try {
      const response = await this.run(body, correlationId);
      this.attempts.inc({ outcome: 'enrolled', reason: 'ok' });
      return response;
    } catch (err) {
      const reason = err instanceof EnrollmentRefusedError ? err.reason : err instanceof InvalidInput ? 'invalid' : 'error';
      this.attempts.inc({ outcome: 'refused', reason });
      if (err instanceof EnrollmentRefusedError && (err.reason === 'unknown' || err.reason === 'malformed'))
        await this.audit(body, err.reason);
      throw err;
    }
  }

  // The refusal stands whether or not it could be logged: a log failure is reported, never answered.
  private async audit(body: unknown, reason: 'unknown' | 'malformed'): Promise<void> {
    const token = (body as { token?: unknown } | null)?.token;
    const fleet = typeof token === 'string' ? claimedFleetOf(token) : undefined;
    await this.d.refusals?.record({ fleet, reason, at: this.d.clock.now() }).catch((err: unknown) => this.d.onError?.(err));
  }

  /** The token's group takes the new device (the operator's `device token --group`); a group deleted since takes no one. */
  private async joinGroup(fleet: string, groupId: string, deviceId: string, meta: EventMetadata): Promise<void> {
    const command = { type: 'AddEnrolledDevice', fleet, groupId, deviceId } as const;
    await handleCommand({
      store: this.d.groups,
      subject: this.d.groups.subject('group', fleet, groupId),
      decider: groupDecider,
      command,
      meta,
    });
  }

  // Checked before the token is used up: a decommissioned device cannot come back through re-enrollment.
  private async assertReenrollable(fleet: string, deviceId: string): Promise<void> {
    const state = await this.deviceAggregate.current(fleet, deviceId);
    if (state.status !== 'active') throw new EnrollmentRefusedError('revoked', 'the device this token re-enrolls is decommissioned');
  }

  private async run(body: unknown, correlationId: string): Promise<EnrollResponse> {
    const request = parseOrThrow(EnrollRequest, body, 'enroll.invalid');
    const presented = readEnrollmentToken(request.token);
    if (!presented) throw new EnrollmentRefusedError('malformed', refusalMessages.malformed);
    let csr: VerifiedCsr | InvalidInput;
    try {
      csr = await verifyCsr(request.csr);
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      csr = err;
    }
    const now = this.d.clock.now();
    const meta = (actor: EventMetadata['actor']): EventMetadata => ({ actor, correlationId, commandId: randomUUID() });
    let checked: CheckedToken;
    try {
      checked = await this.d.tokens.check(presented, now, !(csr instanceof InvalidInput), meta(gateway));
    } catch (err) {
      // A bad CSR with a good token is the device's mistake, not an intrusion: say what is wrong (400).
      if (err instanceof EnrollmentRefusedError && err.reason === 'bad-csr' && csr instanceof InvalidInput) throw csr;
      throw err;
    }
    if (csr instanceof InvalidInput) throw csr;
    const { fleet } = presented;
    const reenrolls = checked.token.status === 'issued' ? checked.token.reenrolls : undefined;
    const deviceId = reenrolls ?? `d-${randomBytes(8).toString('hex')}`;
    if (reenrolls) await this.assertReenrollable(fleet, reenrolls);
    const [tufRoot, cert] = await Promise.all([
      this.d.rootOf(fleet, correlationId),
      this.d.ca.issue({ fleet, deviceId, publicKeyDer: csr.publicKeyDer, now }),
    ]);
    const device = { kind: 'device', id: deviceId } as const;
    const token = await this.d.tokens.redeem(presented, deviceId, now, meta(device), checked);
    const { password, stored } = mintDevicePassword();
    const notAfter = cert.notAfter.toISOString();
    if (reenrolls) {
      // Credentials first: once the event is out, the old connection is dropped and must not get back in.
      await this.d.credentials.replace({ deviceId, fleet, password: stored, issuedAt: now });
      await this.deviceAggregate.execute(
        fleet,
        deviceId,
        {
          type: 'Reenroll',
          certificateSerial: cert.serial,
          certificateFingerprint: cert.fingerprint,
          name: request.name,
          hardware: request.hardware ?? {},
          enrolledWith: presented.tokenId,
          notAfter,
        },
        meta(device),
      );
    } else {
      const labels = { ...request.labels, ...(token.status === 'absent' ? {} : token.labels) }; // the operator's labels win
      await this.d.devices.append(
        this.d.devices.subject('device', fleet, deviceId),
        0,
        [
          {
            type: 'DeviceEnrolled',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              name: request.name,
              certificateSerial: cert.serial,
              certificateFingerprint: cert.fingerprint,
              labels,
              hardware: request.hardware ?? {},
              enrolledWith: presented.tokenId,
              notAfter,
            },
          },
        ],
        meta(device),
      );
      await this.d.credentials.record({ deviceId, fleet, password: stored, issuedAt: now });
      if (token.status !== 'absent' && token.groupId) await this.joinGroup(fleet, token.groupId, deviceId, meta(device));
    }
    return {
      deviceId,
      fleet,
      certificate: cert.certificatePem,
      caCertificate: cert.caCertificatePem,
      tufRoot,
      broker: { mqttUrl: this.d.mqttUrl, clientId: deviceId, username: deviceId, password, topicRoot: this.d.topicRoot },
      facadeUrl: this.d.facadeUrl,
    };
  }
}
