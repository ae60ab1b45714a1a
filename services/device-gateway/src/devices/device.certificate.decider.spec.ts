import { given, RuleViolation } from '@keelson/domain-kit';
import type { DeviceEvent } from '@keelson/events';
import { assignment } from '../test-fixtures/assignments.js';
import { decommissioned, deviceId, desired, enrolled, fleet } from '../test-fixtures/device-history.js';
import { deviceDecider, type DeviceCommand } from './device.decide.js';

describe('device aggregate', () => {
  describe('renewing the certificate', () => {
    const renew = (presentedFingerprint: string, keyRotated = true): DeviceCommand => ({
      type: 'RenewCertificate',
      presentedFingerprint,
      certificateSerial: '0b',
      certificateFingerprint: 'b'.repeat(64),
      notAfter: '2026-12-22T10:00:00.000Z',
      keyRotated,
      certificatePem: 'PEM',
      proofSignedAt: '2026-11-22T10:00:00.000Z',
    });
    const issued = { certificatePem: 'PEM', proofSignedAt: '2026-11-22T10:00:00.000Z' };
    it('replaces the latest certificate with the new one and says whether the key was rotated', () => {
      given(deviceDecider, [enrolled])
        .when(renew('a'.repeat(64)))
        .then([
          {
            type: 'DeviceCertificateRenewed',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              certificateSerial: '0b',
              certificateFingerprint: 'b'.repeat(64),
              notAfter: '2026-12-22T10:00:00.000Z',
              previousFingerprint: 'a'.repeat(64),
              keyRotated: true,
              ...issued,
            },
          },
        ]);
      given(deviceDecider, [enrolled])
        .when(renew('a'.repeat(64), false))
        .then([
          {
            type: 'DeviceCertificateRenewed',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              certificateSerial: '0b',
              certificateFingerprint: 'b'.repeat(64),
              notAfter: '2026-12-22T10:00:00.000Z',
              previousFingerprint: 'a'.repeat(64),
              keyRotated: false,
              ...issued,
            },
          },
        ]);
    });
    it('refuses a certificate that was renewed already', () => {
      const renewed: DeviceEvent = {
        type: 'DeviceCertificateRenewed',
        schemaVersion: 1,
        data: {
          fleet,
          deviceId,
          certificateSerial: '0b',
          certificateFingerprint: 'b'.repeat(64),
          notAfter: '2026-12-22T10:00:00.000Z',
          previousFingerprint: 'a'.repeat(64),
        },
      };
      given(deviceDecider, [enrolled, renewed])
        .when(renew('a'.repeat(64)))
        .thenThrows(RuleViolation, 'device.certificate-superseded');
    });
  });

  describe('re-enrolling', () => {
    const reenroll: DeviceCommand = {
      type: 'Reenroll',
      certificateSerial: '0c',
      certificateFingerprint: 'c'.repeat(64),
      name: 'dock camera 3',
      hardware: {},
      enrolledWith: 'et-2',
    };
    it('keeps the device and its history, with the new certificate as the one that renews', () => {
      given(deviceDecider, [enrolled, desired(1, assignment('a-1'))])
        .when(reenroll)
        .then([
          {
            type: 'DeviceReenrolled',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              certificateSerial: '0c',
              certificateFingerprint: 'c'.repeat(64),
              name: 'dock camera 3',
              hardware: {},
              enrolledWith: 'et-2',
            },
          },
        ]);
    });
    it('refuses a decommissioned device', () => {
      given(deviceDecider, [enrolled, decommissioned]).when(reenroll).thenThrows(RuleViolation, 'device.decommissioned');
    });
  });
});
