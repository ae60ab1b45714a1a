/**
 * The domain error family. Every error carries a stable string `code` that callers may branch on;
 * messages are for humans and may change. HTTP or NATS status mapping happens at the edges, never here.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'RuleViolation' | 'NotFound' | 'ConcurrencyError' | 'InvalidInput';

  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command was well-formed but the aggregate's rules refuse it (e.g. `rollout.already-started`). */
export class RuleViolation extends DomainError {
  readonly kind = 'RuleViolation' as const;

  constructor(code: string, message: string = code, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** The thing a command or query names does not exist (in this fleet). */
export class NotFound extends DomainError {
  readonly kind = 'NotFound' as const;

  constructor(
    readonly what: string,
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super(`${what}.not-found`, `${what} '${id}' was not found`, options);
  }
}

/** Someone else appended to the aggregate after we loaded it; reload, decide again, retry. */
export class ConcurrencyError extends DomainError {
  readonly kind = 'ConcurrencyError' as const;

  constructor(
    readonly subject: string,
    readonly expectedSeq: number,
    options?: ErrorOptions,
  ) {
    super('concurrency.conflict', `'${subject}' changed after sequence ${expectedSeq}`, options);
  }
}

/** One problem found while validating input: where it is and what is wrong with it. */
export interface InputIssue {
  path: (string | number)[];
  message: string;
}

/** Input failed validation at a boundary. Carries every issue found, not only the first. */
export class InvalidInput extends DomainError {
  readonly kind = 'InvalidInput' as const;

  constructor(
    code: string,
    readonly issues: InputIssue[],
    options?: ErrorOptions,
  ) {
    super(code, describeIssues(code, issues), options);
  }
}

function describeIssues(code: string, issues: InputIssue[]): string {
  if (issues.length === 0) return code;
  const parts = issues.slice(0, 5).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return `${code}: ${parts.join('; ')}${more}`;
}

/** True for any error of the domain family, whatever its kind. */
export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
