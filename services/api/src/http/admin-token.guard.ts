import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HealthController, ServiceError } from '@keelson/service-kit';
import { API_CONFIG, type ApiConfig } from '../api-config.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** True when `presented` is the admin token; compares digests in constant time, whatever the lengths. */
export function isAdminToken(presented: string, adminToken: string): boolean {
  return timingSafeEqual(digest(presented), digest(adminToken));
}

/**
 * Every route needs `Authorization: Bearer <admin token>` except `/healthz` and `/metrics`, which
 * launchers and Prometheus read (they say nothing about the fleet).
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getClass() === HealthController) return true;
    const header = context.switchToHttp().getRequest<IncomingMessage>().headers.authorization ?? '';
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (match && isAdminToken(match[1]!, this.config.adminToken)) return true;
    throw new ServiceError('Unauthorized', 'auth.unauthenticated', 'a valid bearer token is required (Authorization: Bearer <token>)');
  }
}
