import type { ReplyError } from '@keelson/commands';

/** Statuses of the facade HTTP error body, by kind (brief: the same mapping as the api). */
export const statusOfKind: Record<ReplyError['kind'], number> = {
  InvalidInput: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  RuleViolation: 409,
  ConcurrencyError: 409,
  Unavailable: 503,
  Internal: 500,
};

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

/** Nothing is served at this path (unknown metadata version, unknown target). */
export const notServed = (code: string, message: string) => new HttpFailure(404, { kind: 'NotFound', code, message });
