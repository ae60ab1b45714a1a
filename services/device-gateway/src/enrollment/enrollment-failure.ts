import { InvalidInput, RuleViolation } from '@keelson/domain-kit';
import { ServiceError } from '@keelson/service-kit';
import { EnrollmentRefusedError } from './enrollment-refused.error.js';

/** What `POST /v1/enroll` answers for a failure: the status and the `{ error }` body. */
export interface EnrollmentFailure {
  status: number;
  body: { error: { code: string; message: string; issues?: unknown } };
}

/**
 * The answer to an enrollment that did not happen: the device's mistake (400), a rule (409), a
 * refused token (401), a platform that cannot enroll right now (503) or anything else (500, logged
 * by the caller with the error's name and message only: the request body holds the token).
 */
export function enrollmentFailureOf(err: unknown): EnrollmentFailure {
  if (err instanceof InvalidInput) return { status: 400, body: { error: { code: err.code, message: err.message, issues: err.issues } } };
  if (err instanceof RuleViolation) return { status: 409, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof EnrollmentRefusedError)
    return { status: 401, body: { error: { code: `enrollment.${err.reason}`, message: err.message } } };
  if (err instanceof ServiceError && err.kind === 'Unavailable') {
    return { status: 503, body: { error: { code: err.code, message: 'enrollment is unavailable right now; try again' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'enrollment failed' } } };
}

/** The log line of a 500: never the body (it holds the token). */
export function unexpectedFailureLine(err: unknown): string {
  return `enrollment failed: ${err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`;
}

const correlationPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `keelson-correlation-id` if it is a usable one; otherwise the enrollment makes its own. */
export function correlationIdOf(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && correlationPattern.test(header) ? header : undefined;
}
