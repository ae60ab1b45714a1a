import { Body, Controller, Headers, HttpCode, HttpException, Inject, Logger, Post } from '@nestjs/common';
import { InvalidInput, RuleViolation } from '@keelson/domain-kit';
import { ServiceError } from '@keelson/service-kit';
import { DeviceEnrollment } from './enroll-device.js';
import { EnrollmentRefusedError } from './enrollment-refused.error.js';
import type { EnrollResponse } from './enroll-request.js';

const correlationPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** `POST /v1/enroll`, the one route a device uses before it has an identity. */
@Controller('v1')
export class EnrollController {
  private readonly logger = new Logger('enroll');

  constructor(@Inject(DeviceEnrollment) private readonly enrollment: DeviceEnrollment) {}

  @Post('enroll')
  @HttpCode(201)
  async enroll(@Body() body: unknown, @Headers('keelson-correlation-id') correlationId?: string): Promise<EnrollResponse> {
    try {
      return await this.enrollment.enroll(body, correlationId && correlationPattern.test(correlationId) ? correlationId : undefined);
    } catch (err) {
      throw this.toHttp(err);
    }
  }

  // The body never reaches a log line: it holds the token.
  private toHttp(err: unknown): HttpException {
    if (err instanceof InvalidInput) return new HttpException({ error: { code: err.code, message: err.message, issues: err.issues } }, 400);
    if (err instanceof RuleViolation) return new HttpException({ error: { code: err.code, message: err.message } }, 409);
    if (err instanceof EnrollmentRefusedError) return new HttpException({ error: { code: `enrollment.${err.reason}`, message: err.message } }, 401);
    if (err instanceof ServiceError && err.kind === 'Unavailable') {
      return new HttpException({ error: { code: err.code, message: 'enrollment is unavailable right now; try again' } }, 503);
    }
    this.logger.error(`enrollment failed: ${err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`);
    return new HttpException({ error: { code: 'internal', message: 'enrollment failed' } }, 500);
  }
}
