import { Body, Controller, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { gateway } from '@keelson/commands';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { OperatorCommands } from '../http/operator-commands.js';
import { FleetQuery, parseBody, parseQuery } from '../http/request.schemas.js';
import { EnrollmentTokenRequest, type EnrollmentTokenResponse } from './device.schemas.js';

/** The line an operator pastes on a device to enroll it (spec: Getting started); with TLS, the pin of the platform CA. */
export function enrollCommandLine(gatewayUrl: string, token: string, caFingerprint?: string): string {
  const pin = caFingerprint ? ` --ca-fingerprint ${caFingerprint}` : '';
  return `npx keelson-agent enroll --gateway ${gatewayUrl} --token ${token}${pin} --data-dir ./device-data`;
}

/** One-time enrollment tokens, minted by the gateway; the secret is shown once, in this answer. */
@Controller('v1/enrollment-tokens')
export class EnrollmentTokensController {
  constructor(
    @Inject(OperatorCommands) private readonly commands: OperatorCommands,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Post()
  @HttpCode(201)
  async issue(@Query() query: unknown, @Body() body: unknown): Promise<EnrollmentTokenResponse> {
    const { fleet } = parseQuery(FleetQuery, query);
    const { ttlSeconds, labels, deviceId } = parseBody(EnrollmentTokenRequest, body);
    const issued = deviceId
      ? await this.commands.call(gateway.issueReenrollmentToken, { fleet, deviceId, ttlSeconds })
      : await this.commands.call(gateway.issueEnrollmentToken, { fleet, ttlSeconds, labels });
    const { gatewayUrl, caFingerprint } = this.config;
    return { ...issued, gatewayUrl, ...(caFingerprint ? { caFingerprint } : {}), enrollCommand: enrollCommandLine(gatewayUrl, issued.token, caFingerprint) };
  }
}
