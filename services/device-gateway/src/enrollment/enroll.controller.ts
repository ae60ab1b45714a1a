import { Body, Controller, Headers, HttpCode, HttpException, Inject, Logger, Post } from '@nestjs/common';
import { DeviceEnrollment } from './enroll-device.js';
import type { EnrollResponse } from './enroll-request.js';
import { correlationIdOf, enrollmentFailureOf, unexpectedFailureLine } from './enrollment-failure.js';

/**
 * `POST /v1/enroll`, the one route a device uses before it has an identity. A JSON request is
 * answered before Nest by EnrollRequestHandler (enroll-route.ts); this controller answers the
 * others (another content type or encoding), with the same checks and errors.
 */
@Controller('v1')
export class EnrollController {
  private readonly logger = new Logger('enroll');

  constructor(@Inject(DeviceEnrollment) private readonly enrollment: DeviceEnrollment) {}

  @Post('enroll')
  @HttpCode(201)
  async enroll(@Body() body: unknown, @Headers('keelson-correlation-id') correlationId?: string): Promise<EnrollResponse> {
    try {
      return await this.enrollment.enroll(body, correlationIdOf(correlationId));
    } catch (err) {
      const { status, body: answer } = enrollmentFailureOf(err);
      if (status === 500) this.logger.error(unexpectedFailureLine(err));
      throw new HttpException(answer, status);
    }
  }
}
