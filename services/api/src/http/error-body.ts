import { HttpException } from '@nestjs/common';
import { z } from 'zod';
import { ErrorKind, ReplyError } from '@keelson/commands';
import { ConcurrencyError, InvalidInput, isDomainError, NotFound, RuleViolation } from '@keelson/domain-kit';
import { brokerUnavailableReply, isBrokerUnavailable, ServiceError } from '@keelson/service-kit';

/** The body of every failed request (brief): `{"error":{"kind","code","message","issues"?}}`. */
export const ErrorBody = z.strictObject({ error: ReplyError });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The one table from error kind to HTTP status. */
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

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

const reply = (kind: ErrorKind, code: string, message: string, status = statusOfKind[kind]): ErrorResponse => ({ status, body: { error: { kind, code, message } } });

// Nest's own refusals (no such route, malformed JSON, body too large) in the same shape.
function fromHttpException(err: HttpException): ErrorResponse {
  const status = err.getStatus();
  if (status === 404) return reply('NotFound', 'route.not-found', 'no such route');
  if (status === 413) return reply('InvalidInput', 'request.too-large', 'the request body is too large', 413);
  if (status === 401) return reply('Unauthorized', 'auth.unauthenticated', 'a valid bearer token is required');
  if (status === 503) return reply('Unavailable', 'service.unavailable', 'the api cannot answer right now; try again shortly');
  if (status >= 400 && status < 500) return reply('InvalidInput', 'request.malformed', 'the request could not be read (is the body valid JSON?)', status);
  return reply('Internal', 'internal', 'the api failed to handle the request');
}

/** Maps anything a route threw to a status and the standard body; internals never leak. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (isDomainError(err)) {
    const base = { code: err.code, message: err.message };
    if (err instanceof InvalidInput) return { status: 400, body: { error: { kind: 'InvalidInput', ...base, issues: err.issues } } };
    if (err instanceof NotFound) return { status: 404, body: { error: { kind: 'NotFound', ...base } } };
    if (err instanceof RuleViolation) return { status: 409, body: { error: { kind: 'RuleViolation', ...base } } };
    if (err instanceof ConcurrencyError) return { status: 409, body: { error: { kind: 'ConcurrencyError', ...base } } };
  }
  if (err instanceof ServiceError) return reply(err.kind, err.code, err.message);
  if (err instanceof HttpException) return fromHttpException(err);
  // NATS or JetStream briefly away (a restart, an election): 503 and Retry-After, not a 500.
  if (isBrokerUnavailable(err)) return { status: 503, body: { error: { ...brokerUnavailableReply } } };
  return reply('Internal', 'internal', 'the api failed to handle the request');
}
