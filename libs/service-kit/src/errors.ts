import type { ErrorKind } from '@keelson/requests';

/**
 * A failure that is not a domain refusal: the other service is down (`Unavailable`), refused the
 * caller (`Unauthorized`: who are you; `Forbidden`: not this, not here) or broke (`Internal`). Carries the reply's kind so edges can map it.
 */
export class ServiceError extends Error {
  constructor(
    readonly kind: Extract<ErrorKind, 'Unauthorized' | 'Forbidden' | 'Internal' | 'Unavailable'>,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The HTTP status of each error kind, for every edge that answers HTTP (the api, the registry
 * facade). Kinds carry no status themselves: the mapping belongs to the edge, and all edges share it.
 */
export const statusOfKind: Record<ErrorKind, number> = {
  InvalidInput: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  RuleViolation: 409,
  ConcurrencyError: 409,
  Internal: 500,
  Unavailable: 503,
};
