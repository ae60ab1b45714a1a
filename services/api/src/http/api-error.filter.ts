import type { ServerResponse } from 'node:http';
import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { brokerRetryAfterSeconds } from '@keelson/service-kit';
import { toErrorResponse } from './error-body.js';

/** The api's one exception filter: every failure becomes the standard error body and its status. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    const { status, body } = toErrorResponse(err);
    // Only the error's name and message: request bodies and headers (tokens) never reach a log line.
    if (status >= 500) this.logger.error(`${body.error.code}: ${err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="keelson"');
    // RFC 9110 10.2.3: a 503 says when to ask again; the CLI and agents wait that long before retrying.
    if (status === 503) res.setHeader('Retry-After', String(brokerRetryAfterSeconds));
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }
}
