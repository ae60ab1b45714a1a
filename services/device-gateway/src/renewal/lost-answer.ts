import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import * as x509 from '@peculiar/x509';
import type { RenewRequest } from '@keelson/events';
import type { Device } from '../devices/device.js';

/**
 * A renewal whose answer never reached the device (a crash, a cut connection): the device still
 * holds the certificate the renewal superseded, and asks again. The gateway answers with the
 * certificate it already issued, writing nothing, when
 * - the presented certificate is the one the latest renewal superseded (its key signed this request),
 * - the CSR is for the key of the certificate issued then (the device's key aside, or the kept key), and
 * - the proof is newer than the one that renewal accepted: a replay of that very request is refused.
 * Handing the issued certificate out again changes nothing (it is public and certifies the device's
 * key), so a thief of the superseded key gains neither a certificate for its own key nor a way to
 * supersede the device's current one.
 */
export function lostAnswer(
  device: Device,
  presentedFingerprint: string,
  request: RenewRequest,
  csrKeyDer: ArrayBuffer,
): x509.X509Certificate | null {
  if (device.status !== 'active' || !device.lastRenewal) return null;
  const { previousFingerprint, certificatePem, proofSignedAt } = device.lastRenewal;
  if (previousFingerprint !== presentedFingerprint || Date.parse(request.signedAt) <= Date.parse(proofSignedAt)) return null;
  const issued = new x509.X509Certificate(certificatePem);
  return Buffer.compare(Buffer.from(issued.publicKey.rawData), Buffer.from(csrKeyDer)) === 0 ? issued : null;
}
