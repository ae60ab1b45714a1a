import { numberSetting, type ServiceConfig } from '@keelson/service-kit';

/** `KEELSON_DEVICE_REFUSAL_AUDIT_FLEET` (default `default`): where refused certificates naming no existing fleet are audited. */
export function auditFleetOf(config: ServiceConfig): string {
  const fleet = config.env.KEELSON_DEVICE_REFUSAL_AUDIT_FLEET ?? 'default';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(fleet)) throw new Error('registry-facade: KEELSON_DEVICE_REFUSAL_AUDIT_FLEET must be a fleet id');
  return fleet;
}

/** `KEELSON_DEVICE_REFUSALS_PER_MINUTE` (default 60): refused device reads audited one by one per minute before summaries take over. */
export function refusalsPerMinuteOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_DEVICE_REFUSALS_PER_MINUTE', { default: 60, min: 1, max: 10_000 });
}
