import type { ServiceConfig } from '@keelson/service-kit';

/** `KEELSON_DEVICE_REFUSAL_AUDIT_FLEET` (default `default`): where refused certificates naming no existing fleet are audited. */
export function auditFleetOf(config: ServiceConfig): string {
  const fleet = config.env.KEELSON_DEVICE_REFUSAL_AUDIT_FLEET ?? 'default';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(fleet)) throw new Error('registry-facade: KEELSON_DEVICE_REFUSAL_AUDIT_FLEET must be a fleet id');
  return fleet;
}

/** `KEELSON_DEVICE_REFUSALS_PER_MINUTE` (default 60): refused device reads audited one by one per minute before summaries take over. */
export function refusalsPerMinuteOf(config: ServiceConfig): number {
  const value = Number(config.env.KEELSON_DEVICE_REFUSALS_PER_MINUTE ?? 60);
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error('registry-facade: KEELSON_DEVICE_REFUSALS_PER_MINUTE must be an integer from 1 to 10000');
  return value;
}
