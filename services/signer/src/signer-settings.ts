import { join } from 'node:path';
import { defaultLifetimes, isBinCount, maxBinCount, type TufLifetimes } from '@keelson/tuf';
import { sealingSecretsOf, type SealingSecrets, type ServiceConfig } from '@keelson/service-kit';

/** Injection token of the signer's own settings. */
export const SIGNER_SETTINGS = Symbol('SignerSettings');

/** What the signer reads from its environment beyond the variables every service reads. */
export interface SignerSettings {
  lifetimes: TufLifetimes;
  /** How often the renewal timer looks at every fleet's metadata. */
  renewCheckSeconds: number;
  /** `<KEELSON_DATA_DIR>/keys`: one directory of keys per fleet. */
  keysDir: string;
  /**
   * `KEELSON_SIGNER_KEY_SECRET`: the key files are sealed under it; while it is rotated,
   * `KEELSON_SIGNER_KEY_SECRET_PREVIOUS` is the one it replaces. Never logged.
   */
  keySecrets: SealingSecrets;
  /** `KEELSON_CREDENTIALS_AUDIT_FLEET` (default `default`): where a rotation of the key secret is audited. */
  credentialsAuditFleet: string;
  /** `KEELSON_TUF_HASH_BINS`: how many hash bins a fleet's repository gets when it is created (or re-delegated). */
  hashBins: number;
}

/** 256 bins: a snapshot of ~9 KB, and bins of ~40 targets each at 10,000 targets (bench/tuf-bytes). */
export const defaultHashBins = 256;

const minSecretLength = 16;
const fleetId = /^[a-z0-9][a-z0-9-]{0,62}$/;

// The values themselves never appear in an error: only whether they are there and long enough.
function keySecretsOf(config: ServiceConfig, problems: string[]): SealingSecrets | undefined {
  try {
    const secrets = sealingSecretsOf(config.env, 'KEELSON_SIGNER_KEY_SECRET', minSecretLength);
    if (secrets) return secrets;
    problems.push(
      `KEELSON_SIGNER_KEY_SECRET must be set to a secret of at least ${minSecretLength} characters (the TUF keys are encrypted under it)`,
    );
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  return undefined;
}

const variables = {
  root: 'KEELSON_TUF_ROOT_EXPIRY_SECONDS',
  targets: 'KEELSON_TUF_TARGETS_EXPIRY_SECONDS',
  snapshot: 'KEELSON_TUF_SNAPSHOT_EXPIRY_SECONDS',
  timestamp: 'KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS',
} as const satisfies Record<keyof TufLifetimes, string>;

/** Reads the expiries and the renewal interval; throws one error naming every bad value. */
export function signerSettings(config: ServiceConfig): SignerSettings {
  const problems: string[] = [];
  const seconds = (name: string, fallback: number) => {
    const raw = config.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a whole number of seconds >= 1, got '${raw}'`);
    return value;
  };
  const lifetimes = Object.fromEntries(
    (Object.keys(variables) as (keyof TufLifetimes)[]).map((role) => [role, seconds(variables[role], defaultLifetimes[role])]),
  ) as unknown as TufLifetimes;
  const renewCheckSeconds = seconds('KEELSON_TUF_RENEW_CHECK_SECONDS', 60);
  // Renewal starts at half-life; a check interval longer than that would let timestamps lapse.
  if (!problems.length && renewCheckSeconds * 2 > lifetimes.timestamp) {
    problems.push(
      `KEELSON_TUF_RENEW_CHECK_SECONDS (${renewCheckSeconds}) must be at most half of KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS (${lifetimes.timestamp})`,
    );
  }
  const hashBinsRaw = config.env.KEELSON_TUF_HASH_BINS;
  const hashBins = hashBinsRaw === undefined || hashBinsRaw === '' ? defaultHashBins : Number(hashBinsRaw);
  if (!isBinCount(hashBins)) problems.push(`KEELSON_TUF_HASH_BINS must be a power of two from 2 to ${maxBinCount}, got '${hashBinsRaw}'`);
  const keySecrets = keySecretsOf(config, problems);
  const credentialsAuditFleet = config.env.KEELSON_CREDENTIALS_AUDIT_FLEET || 'default';
  if (!fleetId.test(credentialsAuditFleet))
    problems.push(`KEELSON_CREDENTIALS_AUDIT_FLEET must be a fleet id, got '${credentialsAuditFleet}'`);
  if (problems.length || !keySecrets) throw new Error(`${config.service}: bad configuration:\n  ${problems.join('\n  ')}`);
  return { lifetimes, renewCheckSeconds, keysDir: join(config.dataDir, 'keys'), keySecrets, credentialsAuditFleet, hashBins };
}
