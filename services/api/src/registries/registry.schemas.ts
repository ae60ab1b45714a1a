import { z } from 'zod';
import { registry } from '@keelson/requests';
import { CaCertificatePem, RealmOrigin, RegistryUrl } from '@keelson/events';

const credentials = {
  username: registry.RegistryUsername.optional(),
  /** Sent once, sealed by the facade, never in any answer, event or log. */
  password: registry.RegistryPassword.optional(),
};
const together = (c: { username?: string | undefined; password?: string | undefined }) =>
  (c.username === undefined) === (c.password === undefined);

/** `POST /v1/registries`: connect an upstream registry; it is pinged with these credentials before anything is recorded. */
export const ConnectRegistryRequest = z
  .strictObject({
    name: registry.RegistryName,
    url: RegistryUrl,
    ...credentials,
    caPem: CaCertificatePem.optional(),
    allowedRealmOrigins: z.array(RealmOrigin).max(10).optional(),
  })
  .refine(together, { message: 'username and password go together', path: ['password'] });

/** `POST /v1/registries/{name}/credentials`: new credentials (checked first), or none to clear them. */
export const RotateRegistryCredentialsRequest = z
  .strictObject(credentials)
  .refine(together, { message: 'username and password go together', path: ['password'] });

export const RegistryParams = z.object({ name: registry.RegistryName });
export const RegistryConnectionView = registry.RegistryConnectionView;
export const RegistryConnectionList = registry.listRegistries.output;
export const RegistryTestResult = registry.RegistryTestResult;
