import { ConcurrencyError, InvalidInput, isDomainError, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { ReplyError } from '@keelson/requests';
import { ServiceError } from '../errors.js';
import { brokerUnavailableReply, isBrokerUnavailable } from '../broker/broker-unavailable.js';

/**
 * What a reply says about a failure: a broker briefly away is `Unavailable` (the caller may try
 * again); anything else unexpected becomes `Internal` without internals.
 */
export function toReplyError(err: unknown): ReplyError {
  if (isDomainError(err)) {
    const base = { kind: err.kind, code: err.code, message: err.message };
    return err instanceof InvalidInput ? { ...base, issues: err.issues } : base;
  }
  if (err instanceof ServiceError) return { kind: err.kind, code: err.code, message: err.message };
  if (isBrokerUnavailable(err)) return { ...brokerUnavailableReply };
  return { kind: 'Internal', code: 'internal', message: 'the service failed to handle the request' };
}

function withCodeAndMessage<E extends Error & { code: string }>(e: E, code: string, message: string): E {
  Object.defineProperty(e, 'code', { value: code });
  e.message = message;
  return e;
}

/** Turns a reply's failure back into the error the other side threw, so callers can branch on it. */
export function fromReplyError(e: ReplyError, service: string): Error {
  switch (e.kind) {
    case 'InvalidInput':
      return withCodeAndMessage(new InvalidInput(e.code, e.issues ?? []), e.code, e.message);
    case 'NotFound':
      return withCodeAndMessage(new NotFound(e.code.replace(/\.not-found$/, ''), '?'), e.code, e.message);
    case 'RuleViolation':
      return new RuleViolation(e.code, e.message);
    case 'ConcurrencyError':
      return withCodeAndMessage(new ConcurrencyError(service, 0), e.code, e.message);
    default:
      return new ServiceError(e.kind, e.code, `${service}: ${e.message}`);
  }
}
