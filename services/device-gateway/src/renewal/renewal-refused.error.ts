/** Why a renewal was refused; the device learns only this, and re-enrolls for the last three. */
export type RenewalRefusal = 'untrusted-certificate' | 'bad-proof' | 'stale-proof' | 'expired' | 'superseded' | 'decommissioned';

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
