import type { ServerResponse } from 'node:http';
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { ErrorKind, ReplyError } from '@keelson/requests';
import { brokerRetryAfterSeconds, statusOfKind, toReplyError } from '@keelson/service-kit';
import { BlobTooLarge } from '../blobs/blob-store.js';
import { HttpFailure } from './http-failure.js';

const kindOfStatus = (status: number): ErrorKind =>
  status === 404
    ? 'NotFound'
    : status === 401
      ? 'Unauthorized'
      : status === 403
        ? 'Forbidden'
        : status === 503
          ? 'Unavailable'
          : status < 500
            ? 'InvalidInput'
            : 'Internal';

function failureOf(err: unknown): { status: number; body: ReplyError } {
  if (err instanceof HttpFailure) return { status: err.status, body: err.body };
  if (err instanceof BlobTooLarge) return { status: 413, body: { kind: 'InvalidInput', code: 'artifact.too-large', message: err.message } };
  // Nest's own refusals (unknown route, health check down) keep their status in our body shape.
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return { status, body: { kind: kindOfStatus(status), code: `http.${status}`, message: err.message } };
  }
  const body = toReplyError(err); // domain errors and ServiceErrors keep their kind; anything else is Internal
  return { status: statusOfKind[body.kind], body };
}

/**
 * Answers `err` as the facade's error body, `{"error":{"kind","code","message","issues"?}}`, with its
 * status. A 500 is logged by name only: messages may carry request data, and request data may carry
 * secrets. Once the status is out (a stream broke), the connection is cut instead: the client sees a
 * short body, never a wrong one.
 */
export function sendFailure(res: ServerResponse, err: unknown, logger: Pick<Logger, 'error'>): void {
  const { status, body } = failureOf(err);
  if (status >= 500 && status !== 503) logger.error(`request failed: ${err instanceof Error ? err.name : 'unknown error'}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  // RFC 9110 10.2.3: a 503 (the broker or a service briefly away) says when to ask again; agents honour it.
  if (status === 503) res.setHeader('Retry-After', String(brokerRetryAfterSeconds));
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error: body }));
}

/** Every error of the Nest routes in the facade's error body (see sendFailure). */
@Catch()
export class FacadeErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(err: unknown, host: ArgumentsHost): void {
    sendFailure(host.switchToHttp().getResponse<ServerResponse>(), err, this.logger);
  }
}
