import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { sealingSecretsOf, type ServiceConfig } from '@keelson/service-kit';
import type { DeviceCaOptions } from './device-ca.js';

/** A number of days; fractions allowed (tests use lifetimes of seconds). */
export function daysOf(config: ServiceConfig, name: string, fallback: number, min: number, max: number): number {
  const raw = config.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new Error(`device-gateway: ${name} must be a number of days from ${min} to ${max}`);
  return value;
}

/**
 * The device CA's settings from the environment:
 * - `KEELSON_DEVICE_CA_KEY_SECRET`: seals every fleet's CA key at rest; an old plaintext key is sealed on first load.
 * - `KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS`: set while rotating that secret; keys sealed under it are re-sealed at start.
 * - `KEELSON_DEVICE_CERT_DAYS` (default 30, fractions allowed): lifetime of a device certificate.
 */
export function deviceCaOptionsOf(config: ServiceConfig): DeviceCaOptions {
  const keySecret = config.env.KEELSON_DEVICE_CA_KEY_SECRET || undefined;
  if (keySecret !== undefined && keySecret.length < 16)
    throw new Error('device-gateway: KEELSON_DEVICE_CA_KEY_SECRET must be at least 16 characters');
  if (!keySecret)
    new Logger('device-ca').warn('KEELSON_DEVICE_CA_KEY_SECRET is not set: device CA keys are kept UNENCRYPTED (development only)');
  let previousKeySecret: string | undefined;
  try {
    previousKeySecret = sealingSecretsOf(config.env, 'KEELSON_DEVICE_CA_KEY_SECRET')?.previous;
  } catch (err) {
    throw new Error(`device-gateway: ${(err as Error).message}`);
  }
  return {
    dir: join(config.dataDir, 'ca'),
    keySecret,
    previousKeySecret,
    certificateValidityDays: daysOf(config, 'KEELSON_DEVICE_CERT_DAYS', 30, 0.00001, 3650),
  };
}
