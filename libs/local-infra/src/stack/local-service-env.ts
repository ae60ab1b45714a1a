import type { PlatformService } from './platform-services.js';

/**
 * Settings an operator may give `npm start` in its own environment, each handed to the one service
 * that reads it. The ranges are that service's own (`numberSetting` in its module): checked here
 * too, so a typo stops `npm start` with the reason before anything starts, instead of a service
 * that dies at every restart with the reason in its log.
 */
const timers = [
  { name: 'KEELSON_DEVICE_OFFLINE_SECONDS', service: 'device-gateway', min: 1, max: 86_400, integer: true },
  { name: 'KEELSON_TIMEOUT_SWEEP_SECONDS', service: 'rollout-orchestrator', min: 0.1, max: 3600, integer: false },
] as const;

/** While a secret of `secrets.json` is being rotated: its old value, for the service that re-seals what it keeps. */
const previousSecrets = [
  { name: 'KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS', service: 'device-gateway' },
  { name: 'KEELSON_SIGNER_KEY_SECRET_PREVIOUS', service: 'signer' },
  { name: 'KEELSON_REGISTRY_CREDENTIALS_SECRET_PREVIOUS', service: 'registry-facade' },
  { name: 'KEELSON_AUDIT_SINK_SECRET_PREVIOUS', service: 'audit' },
] as const;

function checkTimer(timer: (typeof timers)[number], raw: string): string {
  const shape = timer.integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const value = shape.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= timer.min && value <= timer.max)) {
    throw new Error(
      `${timer.name} must be ${timer.integer ? 'a whole number' : 'a number'} of seconds from ${timer.min} to ${timer.max}, got '${raw}'`,
    );
  }
  return raw;
}

/**
 * The per-service environment `npm start` passes on from its own: the timers (device reachability,
 * the per-device deadline sweep) and the previous secrets of a rotation. Only what is set is passed;
 * a service keeps its default otherwise. Throws on a timer value its service would refuse.
 */
export function localServiceEnv(env: NodeJS.ProcessEnv): Partial<Record<PlatformService, Record<string, string>>> {
  const out: Partial<Record<PlatformService, Record<string, string>>> = {};
  const give = (service: PlatformService, name: string, value: string) => (out[service] = { ...out[service], [name]: value });
  for (const timer of timers) {
    const raw = env[timer.name];
    if (raw !== undefined && raw !== '') give(timer.service, timer.name, checkTimer(timer, raw.trim()));
  }
  for (const secret of previousSecrets) {
    const value = env[secret.name];
    if (value) give(secret.service, secret.name, value);
  }
  return out;
}
