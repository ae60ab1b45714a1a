import { randomBytes } from 'node:crypto';
import { createAccount } from '@nats-io/nkeys';
import { platformServices, type PlatformSecrets } from './platform-services.js';

const secret = (): string => randomBytes(24).toString('base64url');

/** Fresh secrets for a new installation; `adminToken` may be given (KEELSON_ADMIN_TOKEN). */
export function generatePlatformSecrets(adminToken?: string): PlatformSecrets {
  return {
    natsServicePasswords: Object.fromEntries(platformServices.map((s) => [s, secret()])) as PlatformSecrets['natsServicePasswords'],
    natsServicesPassword: secret(),
    natsSystemPassword: secret(),
    natsGatewaySystemPassword: secret(),
    internalToken: secret(),
    adminToken: adminToken ?? `kadm_${randomBytes(24).toString('base64url')}`,
    authCalloutSeed: new TextDecoder().decode(createAccount().getSeed()),
    signerKeySecret: secret(),
    deviceCaKeySecret: secret(),
    registryCredentialsSecret: secret(),
    auditSinkSecret: secret(),
  };
}
