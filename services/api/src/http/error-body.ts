import { HttpException } from '@nestjs/common';
import { z } from 'zod';
import { ErrorKind, ReplyError } from '@keelson/requests';
import { isDomainError } from '@keelson/domain-kit';
import { brokerUnavailableReply, isBrokerUnavailable, ServiceError, statusOfKind, toReplyError } from '@keelson/service-kit';

/** The body of every failed request (brief): `{"error":{"kind","code","message","issues"?}}`. */
export const ErrorBody = z.strictObject({ error: ReplyError });
export type ErrorBody = z.infer<typeof ErrorBody>;

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

const reply = (kind: ErrorKind, code: string, message: string, status = statusOfKind[kind]): ErrorResponse => ({
  status,
  body: { error: { kind, code, message } },
});

// Nest's own refusals (no such route, malformed JSON, body too large) in the same shape.
function fromHttpException(err: HttpException): ErrorResponse {
  const status = err.getStatus();
  if (status === 404) return reply('NotFound', 'route.not-found', 'no such route');
  if (status === 413) return reply('InvalidInput', 'request.too-large', 'the request body is too large', 413);
  if (status === 401) return reply('Unauthorized', 'auth.unauthenticated', 'a valid bearer token is required');
  if (status === 503) return reply('Unavailable', 'service.unavailable', 'the api cannot answer right now; try again shortly');
  if (status >= 400 && status < 500)
    return reply('InvalidInput', 'request.malformed', 'the request could not be read (is the body valid JSON?)', status);
  return reply('Internal', 'internal', 'the api failed to handle the request');
}

/** Maps anything a route threw to a status and the standard body; internals never leak. */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (isDomainError(err)) {
    const error = toReplyError(err); // the kind, code and message (and issues) the error itself carries
    return { status: statusOfKind[error.kind], body: { error } };
  }
  if (err instanceof ServiceError) return reply(err.kind, err.code, err.message);
  if (err instanceof HttpException) return fromHttpException(err);
  // NATS or JetStream briefly away (a restart, an election): 503 and Retry-After, not a 500.
  if (isBrokerUnavailable(err)) return { status: 503, body: { error: { ...brokerUnavailableReply } } };
  return reply('Internal', 'internal', 'the api failed to handle the request');
}
