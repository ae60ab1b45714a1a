import type { ApiTokenRole } from '@keelson/events';

const rank: Record<ApiTokenRole, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * The least role a request needs: reads need `viewer`, managing API tokens or audit sinks (reads
 * too) needs `admin` (of the fleet), anything else that changes the fleet needs `operator`.
 */
export function requiredRoleOf(method: string, needsAdmin: boolean): ApiTokenRole {
  if (needsAdmin) return 'admin';
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'operator';
}

/** Whether a token of `role` may do what needs `required`. */
export function roleAllows(role: ApiTokenRole, required: ApiTokenRole): boolean {
  return rank[role] >= rank[required];
}
