import type { IncomingMessage } from 'node:http';
import { Body, Controller, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { gateway } from '@keelson/requests';
import { AgentBundleShelf } from '../agent-bundles/agent-bundle-shelf.js';
import { publicOrigin } from '../agent-bundles/agent-bundles.controller.js';
import { installScript, sha256Of } from '../agent-bundles/install-script.js';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { groupIdOf } from '../http/group-id-of.js';
import { OperatorRequests } from '../http/operator-requests.js';
import { FleetQuery, parseBody, parseQuery } from '../http/request.schemas.js';
import { EnrollmentTokenRequest, type EnrollmentTokenResponse } from './device.schemas.js';

/** The line an operator pastes on a device to enroll it (spec: Getting started); with TLS, the pin of the platform CA. */
export function enrollCommandLine(gatewayUrl: string, token: string, caFingerprint?: string): string {
  const pin = caFingerprint ? ` --ca-fingerprint ${caFingerprint}` : '';
  return `npx keelson-agent enroll --gateway ${gatewayUrl} --token ${token}${pin} --data-dir ./device-data`;
}

/**
 * With agent bundles served: fetch the installer, check it against the sha256 written in this line
 * (the installer in turn pins the bundle's), then run it, which installs the agent and enrolls.
 */
export function installCommandLine(
  platformUrl: string,
  installerSha256: string,
  gatewayUrl: string,
  token: string,
  caFingerprint?: string,
): string {
  const pin = caFingerprint ? ` --ca-fingerprint ${caFingerprint}` : '';
  return `curl -fsSL ${platformUrl}/v1/agent/install.sh -o keelson-install.sh && echo '${installerSha256}  keelson-install.sh' | sha256sum -c --quiet - && sh keelson-install.sh --gateway ${gatewayUrl} --token ${token}${pin}`;
}

/** One-time enrollment tokens, minted by the gateway; the secret is shown once, in this answer. */
@Controller('v1/enrollment-tokens')
export class EnrollmentTokensController {
  constructor(
    @Inject(OperatorRequests) private readonly requests: OperatorRequests,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Post()
  @HttpCode(201)
  async issue(@Query() query: unknown, @Body() body: unknown, @Req() req: IncomingMessage): Promise<EnrollmentTokenResponse> {
    const { fleet } = parseQuery(FleetQuery, query);
    const { ttlSeconds, labels, deviceId, group } = parseBody(EnrollmentTokenRequest, body);
    const groupId = group === undefined ? undefined : await groupIdOf(this.requests, fleet, group); // an unknown group mints nothing
    const issued = deviceId
      ? await this.requests.call(gateway.issueReenrollmentToken, { fleet, deviceId, ttlSeconds })
      : await this.requests.call(gateway.issueEnrollmentToken, { fleet, ttlSeconds, labels, ...(groupId ? { groupId } : {}) });
    const { gatewayUrl, caFingerprint } = this.config;
    return { ...issued, gatewayUrl, ...(caFingerprint ? { caFingerprint } : {}), enrollCommand: this.enrollCommand(req, issued.token) };
  }

  /** The installer line when this platform serves agent bundles, else the line for a machine that has the agent. */
  private enrollCommand(req: IncomingMessage, token: string): string {
    const { gatewayUrl, caFingerprint, agentBundlesDir } = this.config;
    const bundles = agentBundlesDir ? new AgentBundleShelf(agentBundlesDir).latest() : [];
    if (!bundles.length) return enrollCommandLine(gatewayUrl, token, caFingerprint);
    const origin = publicOrigin(this.config, req);
    return installCommandLine(origin, sha256Of(installScript(origin, bundles)), gatewayUrl, token, caFingerprint);
  }
}
