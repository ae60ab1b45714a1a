import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, HttpException, Inject, Logger, Post } from '@nestjs/common';
import { InvalidInput } from '@keelson/domain-kit';
import type { RenewResponse } from '@keelson/events';
import { CertificateRenewal } from './renew-certificate.js';
import { RenewalRefusedError } from './renewal-refused.error.js';

const correlationPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** `POST /v1/renew`: a device trades its certificate (and proof of its key) for a fresh one. */
@Controller('v1')
export class RenewController {
  private readonly logger = new Logger('renew');

  constructor(@Inject(CertificateRenewal) private readonly renewal: CertificateRenewal) {}

  @Post('renew')
  @HttpCode(201)
  async renew(@Body() body: unknown, @Headers('keelson-correlation-id') correlationId?: string): Promise<RenewResponse> {
    try {
      const correlation = correlationId && correlationPattern.test(correlationId) ? correlationId : randomUUID();
      return await this.renewal.renew(body, { correlationId: correlation, commandId: randomUUID() });
    } catch (err) {
      throw this.toHttp(err);
    }
  }

  private toHttp(err: unknown): HttpException {
    if (err instanceof InvalidInput) return new HttpException({ error: { code: err.code, message: err.message, issues: err.issues } }, 400);
    // The identity was proven when only the key policy refuses: that is a conflict, not a failed authentication.
    if (err instanceof RenewalRefusedError)
      return new HttpException(
        { error: { code: `renewal.${err.reason}`, message: err.message } },
        err.reason === 'key-not-rotated' ? 409 : 401,
      );
    this.logger.error(`renewal failed: ${err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`);
    return new HttpException({ error: { code: 'internal', message: 'renewal failed' } }, 500);
  }
}
