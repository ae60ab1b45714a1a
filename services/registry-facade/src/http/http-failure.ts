import type { ReplyError } from '@keelson/requests';

/**
 * A refusal decided at the HTTP edge with a status its kind alone does not give: 413 for an
 * oversize upload, 403 for a device asking for another fleet.
 */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ReplyError,
  ) {
    super(body.message);
    this.name = 'HttpFailure';
  }
}

/**
 * Nothing is served at this path (unknown metadata version, unknown target). An expected answer, not
 * a fault: every device's TUF refresh asks for the next root version and gets this 404, so it is made
 * without a stack trace (capturing one was ~1 % of the facade's time in a 1,000-device rollout), and
 * no 404 is logged.
 */
export function notServed(code: string, message: string): HttpFailure {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new HttpFailure(404, { kind: 'NotFound', code, message });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
