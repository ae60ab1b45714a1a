/**
 * Why a renewal was refused; the device learns only this. It re-enrolls for `expired`, `superseded`
 * and `decommissioned`; `key-not-rotated` asks it to renew again with a new key.
 */
export type RenewalRefusal =
  'untrusted-certificate' | 'bad-proof' | 'stale-proof' | 'key-not-rotated' | 'expired' | 'superseded' | 'decommissioned';

/** A renewal the gateway refused (401 `renewal.<reason>`). */
export class RenewalRefusedError extends Error {
  constructor(
    readonly reason: RenewalRefusal,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
