import type { ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import { DeviceRefused } from '../../device-access/device-refusals.js';
import { sendFailure } from '../../http/facade-error.filter.js';

/** The error codes of the OCI distribution spec this registry answers with. */
export type DistributionErrorCode =
  'BLOB_UNKNOWN' | 'MANIFEST_UNKNOWN' | 'DIGEST_INVALID' | 'NAME_INVALID' | 'UNAUTHORIZED' | 'DENIED' | 'UNSUPPORTED';

/** A refusal of a distribution request, answered in the spec's error body. */
export class DistributionFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: DistributionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DistributionFailure';
  }
}

/** An expected refusal (a 404 for a digest the fleet has not): made without a stack trace, like the device routes' 404s. */
export function distributionFailure(status: number, code: DistributionErrorCode, message: string): DistributionFailure {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new DistributionFailure(status, code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function distributionErrorOf(err: unknown): DistributionFailure | null {
  if (err instanceof DistributionFailure) return err;
  // The device's certificate refusals keep their status; the facade's code leads the message, as the device logs show it.
  if (err instanceof DeviceRefused)
    return new DistributionFailure(err.status, err.status === 403 ? 'DENIED' : 'UNAUTHORIZED', `${err.code}: ${err.body.message}`);
  return null;
}

/**
 * Answers `err` as the distribution spec's error body, `{"errors":[{"code","message"}]}`, which OCI
 * clients print; a fault of the facade itself (store or database down) leaves in the facade's own
 * error body and is logged as the device routes log it. Once a blob's bytes are under way, the
 * connection is cut instead: the client sees a short body and its digest check fails.
 */
export function sendDistributionFailure(res: ServerResponse, err: unknown, logger: Pick<Logger, 'error'>): void {
  const failure = distributionErrorOf(err);
  if (!failure) return sendFailure(res, err, logger);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ code: failure.code, message: failure.message }] });
  res.writeHead(failure.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Docker-Distribution-API-Version': 'registry/2.0',
  });
  res.end(body);
}
