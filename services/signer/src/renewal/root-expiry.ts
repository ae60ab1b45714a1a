import type { TufRepository } from '../repository/tuf-repository.evolve.js';

const day = 86_400_000;

/**
 * When a production root needs a new ceremony: the signer cannot renew it (it holds no root key),
 * and devices refuse an expired root. Returns its expiry once less than `warnDays` (30) are left,
 * else null (also for development roots, which the signer renews itself).
 */
export function productionRootExpiring(state: TufRepository, now: Date, warnDays = 30): string | null {
  if (state.status !== 'active' || state.development) return null;
  const expires = state.documents.root?.expires;
  if (!expires) return null;
  return Date.parse(expires) - now.getTime() < warnDays * day ? expires : null;
}

/** Tells about each fleet at most once per `everyMs` (the renewal round runs every minute). */
export class OncePer {
  private readonly last = new Map<string, number>();

  constructor(private readonly everyMs = day) {}

  due(key: string, nowMs: number): boolean {
    const last = this.last.get(key);
    if (last !== undefined && nowMs - last < this.everyMs) return false;
    this.last.set(key, nowMs);
    return true;
  }
}
