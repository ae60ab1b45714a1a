import type { DeviceAccessRefusal, DeviceAccessRefused } from '@keelson/events';
import type { RefusedCertificate } from './device-refusals.js';

/** One refused device read, as the authenticator saw it: a presented certificate and what it asked for. */
export interface RefusalSeen {
  reason: DeviceAccessRefusal;
  certificate: RefusedCertificate;
  /** The `:fleet` of the route asked for. */
  requestedFleet: string;
  /** The request URL as received (path and query). */
  url: string;
  at: Date;
}

const token = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The request path without its query, printable ASCII only, at most 256 characters: what the log keeps of a URL an attacker chose. */
export function requestPathOf(url: string): string {
  const path = url.split('?')[0]!.replace(/[^\x21-\x7e]/g, '_');
  return (path.startsWith('/') ? path : `/${path}`).slice(0, 256);
}

/**
 * Which fleet's device-access log records a refusal, and what it says. A certificate the fleet's
 * device CA issued is logged in that fleet, with its device: that fleet's operator is the one who
 * can act on the device (decommission it, re-enroll it), and it is the only fleet that is proven.
 * A certificate no fleet CA vouches for is logged in the fleet it names if that fleet exists (its
 * operator learns someone forges its devices), else in the installation's audit fleet; its claims
 * are kept as claims. The fleet asked for is `requestedFleet`, never a log of its own: a device
 * cannot write into any fleet it likes by asking for it, nor name its devices to that fleet.
 */
export function refusalRecordOf(seen: RefusalSeen, o: { auditFleet: string; claimedFleetExists: boolean }): DeviceAccessRefused['data'] {
  const { claim, issuedByFleetCa, fingerprint } = seen.certificate;
  const proven = issuedByFleetCa && claim !== undefined;
  const fleet = claim && (proven || o.claimedFleetExists) ? claim.fleet : o.auditFleet;
  const record: DeviceAccessRefused['data'] = {
    fleet,
    reason: seen.reason,
    certificateFingerprint: fingerprint,
    path: requestPathOf(seen.url),
    at: seen.at.toISOString(),
  };
  if (proven) record.deviceId = claim.deviceId;
  else if (claim) {
    if (claim.fleet !== fleet) record.claimedFleet = claim.fleet;
    record.claimedDeviceId = claim.deviceId;
  }
  if (seen.requestedFleet !== fleet && token.test(seen.requestedFleet)) record.requestedFleet = seen.requestedFleet;
  return record;
}
