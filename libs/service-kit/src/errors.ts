import type { ErrorKind } from '@keelson/commands';

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
