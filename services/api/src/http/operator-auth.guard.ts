import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { CLOCK, HealthController, ServiceError, type Clock } from '@keelson/service-kit';
import { AgentBundlesController } from '../agent-bundles/agent-bundles.controller.js';
import { API_CONFIG, type ApiConfig } from '../api-config.js';
import { ApiTokensController } from '../operators/api-tokens.controller.js';
import { AuditChainController } from '../audit/audit-chain.controller.js';
import { AuditSinksController } from '../audit/audit-sinks.controller.js';
import { looksLikeApiToken, readApiToken } from '../operators/api-token-string.js';
import { ApiTokens } from '../operators/api-tokens.js';
import { adminActor } from './operator-requests.js';
import { setRequestActor } from './request-actor.js';
import { requiredRoleOf, roleAllows } from './route-roles.js';

/** Controllers whose every route needs the fleet's admin role. */
const adminOnly = new Set<unknown>([ApiTokensController, AuditSinksController]);

/** Controllers whose answers span every fleet: only the bootstrap admin token may use them, never an API token. */
const installationOnly = new Set<unknown>([AuditChainController]);

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** True when `presented` is the admin token; compares digests in constant time, whatever the lengths. */
export function isAdminToken(presented: string, adminToken: string): boolean {
  return timingSafeEqual(digest(presented), digest(adminToken));
}

const unauthenticated = () =>
  new ServiceError('Unauthorized', 'auth.unauthenticated', 'a valid bearer token is required (Authorization: Bearer <token>)');

/** `?fleet=` as the routes read it (default `default`); anything but one string names no fleet a token has. */
function fleetOf(req: IncomingMessage & { query?: Record<string, unknown> }): unknown {
  return req.query?.fleet ?? 'default';
}

/**
 * Every route needs `Authorization: Bearer <token>` except `/healthz`, `/readyz` and `/metrics`, which
 * launchers, probes and Prometheus read, and `/v1/agent/...` (the agent's bundles and installer). The bootstrap admin token (`KEELSON_ADMIN_TOKEN`) may do anything in any fleet;
 * an API token acts in its own fleet only (403 elsewhere) and within its role, and never on what spans every fleet. The request's actor
 * (`operator:admin` or `operator:<tokenId>`) goes into every command it sends, and so into the audit log.
 */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(ApiTokens) private readonly tokens: ApiTokens,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // The agent's bundles and installer are public: a device that is not enrolled has no credentials.
    if (context.getClass() === HealthController || context.getClass() === AgentBundlesController) return true;
    const req = context.switchToHttp().getRequest<IncomingMessage & { query?: Record<string, unknown> }>();
    const match = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? '');
    if (!match) throw unauthenticated();
    const presented = match[1]!;
    if (!looksLikeApiToken(presented)) {
      if (!isAdminToken(presented, this.config.adminToken)) throw unauthenticated();
      setRequestActor(adminActor);
      return true;
    }
    const parsed = readApiToken(presented);
    if (!parsed) throw unauthenticated();
    const token = await this.tokens.authenticate(parsed, this.clock.now());
    if (installationOnly.has(context.getClass())) {
      throw new ServiceError('Forbidden', 'auth.installation', 'this answer spans every fleet: only the admin token may ask for it');
    }
    if (fleetOf(req) !== token.fleet)
      throw new ServiceError('Forbidden', 'auth.wrong-fleet', `this token acts in fleet '${token.fleet}' only`);
    const required = requiredRoleOf(req.method ?? 'GET', adminOnly.has(context.getClass()));
    if (!roleAllows(token.role, required))
      throw new ServiceError('Forbidden', 'auth.role', `a ${token.role} token cannot do this (it needs ${required})`);
    setRequestActor({ kind: 'operator', id: token.tokenId });
    return true;
  }
}
