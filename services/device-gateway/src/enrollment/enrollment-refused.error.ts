import type { EnrollmentRefusal } from '@keelson/events';

/** An enrollment attempt the gateway refused (and recorded as `EnrollmentRefused` where it could). */
export class EnrollmentRefusedError extends Error {
  constructor(
    readonly reason: EnrollmentRefusal | 'malformed',
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** What a device is told; deliberately no more than the reason, never which part of a token matched. */
export const refusalMessages: Record<EnrollmentRefusedError['reason'], string> = {
  malformed: 'the enrollment token is not a Keelson enrollment token',
  unknown: 'the enrollment token is not known',
  expired: 'the enrollment token has expired',
  used: 'the enrollment token has already been used',
  revoked: 'the enrollment token was revoked',
  'foreign-fleet': 'the enrollment token belongs to another fleet',
  'bad-csr': 'the certificate request was refused',
};
